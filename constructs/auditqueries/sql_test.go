package auditqueries_test

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"unicode"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/voicevault/voicevault/constructs/auditqueries"
)

// sqlToken is one lexical token of a query.
type sqlToken struct {
	kind string // ident, quoted (a "double-quoted" identifier), string, number, punct
	text string
}

// tokenize splits a Trino/Athena SELECT into tokens: identifiers (with their dotted paths joined),
// quoted identifiers, string literals ('…', ” escapes), numbers and punctuation. It fails on what
// it doesn't know rather than guess.
func tokenize(sql string) ([]sqlToken, error) {
	var out []sqlToken
	r := []rune(sql)
	for i := 0; i < len(r); {
		c := r[i]
		switch {
		case unicode.IsSpace(c):
			i++
		case c == '\'':
			j := i + 1
			for ; j < len(r); j++ {
				if r[j] == '\'' {
					if j+1 < len(r) && r[j+1] == '\'' {
						j++
						continue
					}
					break
				}
			}
			if j >= len(r) {
				return nil, fmt.Errorf("unterminated string at %d", i)
			}
			out = append(out, sqlToken{"string", string(r[i+1 : j])})
			i = j + 1
		case c == '"':
			j := i + 1
			for j < len(r) && r[j] != '"' {
				j++
			}
			if j >= len(r) {
				return nil, fmt.Errorf("unterminated quoted identifier at %d", i)
			}
			out = append(out, sqlToken{"quoted", string(r[i+1 : j])})
			i = j + 1
		case unicode.IsLetter(c) || c == '_':
			j := i
			for j < len(r) && (unicode.IsLetter(r[j]) || unicode.IsDigit(r[j]) || r[j] == '_' || r[j] == '.' && j+1 < len(r) && (unicode.IsLetter(r[j+1]) || r[j+1] == '_')) {
				j++
			}
			out = append(out, sqlToken{"ident", strings.ToLower(string(r[i:j]))})
			i = j
		case unicode.IsDigit(c):
			j := i
			for j < len(r) && unicode.IsDigit(r[j]) {
				j++
			}
			out = append(out, sqlToken{"number", string(r[i:j])})
			i = j
		case strings.ContainsRune("(),=<>*.!%-+/", c):
			out = append(out, sqlToken{"punct", string(c)})
			i++
		default:
			return nil, fmt.Errorf("unexpected %q at %d", c, i)
		}
	}
	return out, nil
}

// keywords are the SQL words the queries use that are not column references.
var keywords = []string{
	"select", "from", "where", "and", "or", "not", "in", "like", "is", "null", "as", "group", "by", "order",
	"desc", "asc", "distinct", "interval", "current_date", "limit", "having", "case", "when", "then", "else", "end",
}

// functions are the Trino functions the queries may call (each followed by "(").
var functions = []string{"json_extract_scalar", "coalesce", "count", "min", "max", "array_agg", "date_format", "lower"}

// checkColumns returns the references of sql that name no column of the table: every identifier
// that is not a keyword, a function call, an alias the query defines (AS x) or the FROM table.
func checkColumns(sql, database string) ([]string, error) {
	toks, err := tokenize(sql)
	if err != nil {
		return nil, err
	}
	aliases := map[string]bool{}
	for i, tk := range toks {
		if tk.kind == "ident" && tk.text == "as" && i+1 < len(toks) {
			aliases[toks[i+1].text] = true
		}
	}
	var bad []string
	for i, tk := range toks {
		next := sqlToken{}
		if i+1 < len(toks) {
			next = toks[i+1]
		}
		switch {
		case tk.kind == "quoted":
			// Only the FROM clause quotes: "<database>"."<table>".
			if !(tk.text == database && next.text == "." || tk.text == auditqueries.TableName && i > 0 && toks[i-1].text == ".") {
				bad = append(bad, `"`+tk.text+`"`)
			}
		case tk.kind != "ident":
		case tk.text == "day" && i > 0 && toks[i-1].kind == "string": // interval '90' day: the unit, not the partition
		case slices.Contains(keywords, tk.text):
		case slices.Contains(functions, tk.text) && next.text == "(":
		case next.text == "(":
			bad = append(bad, tk.text+"() (unknown function)")
		case aliases[tk.text] && i > 0 && toks[i-1].text == "as":
		case aliases[tk.text] && !auditqueries.HasPath(tk.text) && afterOrderBy(toks, i):
		case auditqueries.HasPath(tk.text):
		default:
			bad = append(bad, tk.text)
		}
	}
	return bad, nil
}

// afterOrderBy reports whether token i is in an ORDER BY clause (where aliases may be used).
func afterOrderBy(toks []sqlToken, i int) bool {
	for j := i - 1; j > 0; j-- {
		if toks[j].text == "by" && toks[j-1].text == "order" {
			return true
		}
	}
	return false
}

func allQueries() []auditqueries.Query {
	s := auditqueries.Scope{Database: "voicevault_test_audit", AllowedRegions: []string{"eu-west-1", "us-east-1"}, AudioBuckets: []string{"vv-acme-test", "vv-globex-test"}}
	return append(auditqueries.EnvironmentQueries(s), auditqueries.TenantQuery(s, "acme", "vv-acme-test"))
}

// TestEveryQueryReferencesOnlyDeclaredColumns parses each saved query and checks that every
// column it references (nested struct fields included) is in the table's declared schema
// (auditqueries.Columns, from the Athena documentation's CloudTrail table).
func TestEveryQueryReferencesOnlyDeclaredColumns(t *testing.T) {
	for _, q := range allQueries() {
		t.Run(q.Name, func(t *testing.T) {
			bad, err := checkColumns(q.SQL, "voicevault_test_audit")
			require.NoError(t, err)
			assert.Empty(t, bad, "references outside the table's schema:\n%s", q.SQL)
			assert.Contains(t, q.SQL, `FROM "voicevault_test_audit"."cloudtrail"`)
			assert.Contains(t, q.SQL, "day >= date_format(", "a partition filter bounds the scan")
			assert.NotEmpty(t, q.Answers)
			assert.NotEmpty(t, q.Evidence)
		})
	}
}

// TestColumnCheckerCatchesUnknownColumns proves the checker itself: a misspelt column, a field
// of a struct that has no such field and an unknown function are reported.
func TestColumnCheckerCatchesUnknownColumns(t *testing.T) {
	bad, err := checkColumns(`SELECT eventname, useridentity.sessioncontext.sessionissuer.role, sourceip, frobnicate(eventid) AS x
FROM "voicevault_test_audit"."cloudtrail" WHERE day >= '2026/01/01' ORDER BY x`, "voicevault_test_audit")
	require.NoError(t, err)
	assert.Equal(t, []string{"useridentity.sessioncontext.sessionissuer.role", "sourceip", "frobnicate() (unknown function)"}, bad)
	bad, err = checkColumns(`SELECT eventname FROM "other"."cloudtrail"`, "voicevault_test_audit")
	require.NoError(t, err)
	assert.Equal(t, []string{`"other"`}, bad)
}

func TestQueriesAnswerTheAuditorsQuestions(t *testing.T) {
	byName := map[string]auditqueries.Query{}
	for _, q := range allQueries() {
		byName[q.Name] = q
	}
	er := byName["audio-erasures"].SQL
	assert.Contains(t, er, "eventname IN ('DeleteObject', 'DeleteObjects')")
	assert.Contains(t, er, "IN ('vv-acme-test', 'vv-globex-test')")
	fr := byName["foreign-region-calls"].SQL
	assert.Contains(t, fr, "awsregion NOT IN ('eu-west-1', 'us-east-1')")
	ten := byName["tenant-acme-audio-access"].SQL
	for _, col := range []string{"sourceipaddress", "vpcendpointid", "useragent"} {
		assert.Contains(t, ten, col, "from where")
	}
	sec := byName["security-configuration-changes"].SQL
	for _, ev := range []string{"'ScheduleKeyDeletion'", "'PutKeyPolicy'", "'StopLogging'", "'DeleteDetector'", "'PutRolePermissionsBoundary'", "'UpdateWebACL'"} {
		assert.Contains(t, sec, ev)
	}
	assert.Contains(t, byName["access-denied-by-principal"].SQL, "GROUP BY")
}
