package audit

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"html"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/voicevault/voicevault/internal/review/assembly"
)

// Files written by Write, besides the CSVs named by the tables.
const (
	MarkdownFile = "report.md"
	HTMLFile     = "report.html"
	JSONFile     = "report.json"
	NagFile      = "nag-results.json"
)

// Write writes the report into dir (created if needed): report.md, report.html, report.json,
// nag-results.json (every cdk-nag report row, as JSON) and one CSV per main table. It returns
// the file names written, sorted.
func Write(r *Report, a *assembly.Assembly, dir string) ([]string, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, err
	}
	secs := r.sections()
	files := map[string][]byte{
		MarkdownFile: Markdown(r, secs),
		HTMLFile:     HTML(r, secs),
	}
	j, err := json.MarshalIndent(r, "", "  ")
	if err != nil {
		return nil, err
	}
	files[JSONFile] = append(j, '\n')
	reports, err := a.NagReports()
	if err != nil {
		return nil, err
	}
	rows := assembly.NagRows(reports)
	if rows == nil {
		rows = []assembly.NagRow{}
	}
	n, err := json.MarshalIndent(rows, "", " ")
	if err != nil {
		return nil, err
	}
	files[NagFile] = append(n, '\n')
	for _, s := range secs {
		for _, t := range s.Tables {
			if t.CSV != "" {
				files[t.CSV] = csvOf(t)
			}
		}
	}
	var names []string
	for name, b := range files {
		if err := os.WriteFile(filepath.Join(dir, name), b, 0o644); err != nil {
			return nil, err
		}
		names = append(names, name)
	}
	sort.Strings(names)
	return names, nil
}

func csvOf(t table) []byte {
	var buf bytes.Buffer
	w := csv.NewWriter(&buf)
	_ = w.Write(t.Head)
	for _, row := range t.Rows {
		rec := make([]string, len(row))
		for i, c := range row {
			rec[i] = c.Text
		}
		_ = w.Write(rec)
	}
	w.Flush()
	return buf.Bytes()
}

// Markdown renders the report as GitHub-flavoured Markdown.
func Markdown(r *Report, secs []section) []byte {
	var b strings.Builder
	fmt.Fprintf(&b, "# %s\n\n", r.Title)
	fmt.Fprintf(&b, "Generated from the cloud assembly `%s` by `go run ./cmd/audit`: every row below is computed from the synthesized templates and the cdk-nag reports.\n\n", r.Assembly)
	for _, s := range secs {
		fmt.Fprintf(&b, "- [%s](#%s)\n", s.Title, s.ID)
	}
	b.WriteString("\n")
	for _, s := range secs {
		fmt.Fprintf(&b, "<a id=\"%s\"></a>\n\n## %s\n\n%s\n\n", s.ID, s.Title, s.Intro)
		for _, t := range s.Tables {
			if t.Title != "" {
				fmt.Fprintf(&b, "### %s\n\n", t.Title)
			}
			if t.Note != "" {
				fmt.Fprintf(&b, "%s\n\n", t.Note)
			}
			if len(t.Rows) == 0 {
				b.WriteString("_None in these templates._\n\n")
				continue
			}
			b.WriteString("| " + strings.Join(escapeAll(t.Head), " | ") + " |\n")
			b.WriteString("|" + strings.Repeat(" --- |", len(t.Head)) + "\n")
			for _, row := range t.Rows {
				cells := make([]string, len(row))
				for i, c := range row {
					cells[i] = mdCell(c)
				}
				b.WriteString("| " + strings.Join(cells, " | ") + " |\n")
			}
			b.WriteString("\n")
		}
	}
	return []byte(b.String())
}

func escapeAll(ss []string) []string {
	out := make([]string, len(ss))
	for i, s := range ss {
		out[i] = mdEscape(s)
	}
	return out
}

func mdEscape(s string) string {
	s = strings.ReplaceAll(s, "|", `\|`)
	s = strings.ReplaceAll(s, "\n", " ")
	return strings.ReplaceAll(s, "<", "&lt;")
}

func mdCell(c cell) string {
	switch {
	case c.Status != "" && len(c.List) > 0:
		return "**" + strings.ToUpper(c.Text) + "**: " + mdEscape(strings.Join(c.List, "; "))
	case c.Status != "":
		if c.Status == Fail || c.Status == Warn {
			return "**" + strings.ToUpper(c.Text) + "**"
		}
		return c.Text
	case len(c.List) > 0:
		return strings.Join(escapeAll(c.List), "<br>") // escape the items, not the line breaks
	case c.Mono && c.Text != "" && c.Text != "—":
		return "`" + strings.ReplaceAll(strings.ReplaceAll(c.Text, "|", `\|`), "`", "'") + "`"
	}
	return mdEscape(c.Text)
}

const css = `
:root{--fg:#1d2433;--muted:#5b6478;--line:#d9dee8;--head:#eef1f6;--pass:#1f7a3a;--pass-bg:#e3f4e8;--fail:#a61b1b;--fail-bg:#fbe4e4;--warn:#8a5a00;--warn-bg:#fff2d6;--na:#5b6478;--na-bg:#eceef2}
*{box-sizing:border-box}
body{font:14px/1.45 -apple-system,"Segoe UI",Roboto,"DejaVu Sans",Arial,sans-serif;color:var(--fg);margin:0;padding:24px 32px 64px;background:#fff}
h1{font-size:24px;margin:0 0 4px}
h2{font-size:19px;margin:40px 0 8px;padding-top:8px;border-top:2px solid var(--line)}
h3{font-size:15px;margin:20px 0 6px}
p{margin:6px 0 10px;max-width:110ch}
.lead{color:var(--muted)}
nav ol{columns:2;max-width:720px;padding-left:20px}
.cards{display:flex;flex-wrap:wrap;gap:10px;margin:14px 0}
.card{border:1px solid var(--line);border-radius:8px;padding:10px 14px;min-width:150px}
.card b{display:block;font-size:20px}
.table-wrap{overflow-x:auto;margin:6px 0 14px}
table{border-collapse:collapse;width:100%;font-size:12.5px}
th,td{border:1px solid var(--line);padding:5px 7px;text-align:left;vertical-align:top}
th{background:var(--head);position:sticky;top:0}
tr:nth-child(even) td{background:#fafbfd}
code{font:12px/1.4 "DejaVu Sans Mono",Menlo,Consolas,monospace;overflow-wrap:anywhere}
code.short{white-space:nowrap}
ul.cell{margin:0;padding-left:16px}
.badge{display:inline-block;padding:1px 8px;border-radius:10px;font-weight:600;font-size:12px;white-space:nowrap}
.pass{color:var(--pass);background:var(--pass-bg)}
.fail{color:var(--fail);background:var(--fail-bg)}
.warn{color:var(--warn);background:var(--warn-bg)}
.na{color:var(--na);background:var(--na-bg)}
td.matrix{text-align:center}
details summary{cursor:pointer;color:var(--muted)}
.empty{color:var(--muted);font-style:italic}
footer{margin-top:40px;color:var(--muted);font-size:12px}
@media print{body{padding:0}th{position:static}.table-wrap{overflow:visible}}
`

func badge(s Status, text string) string {
	class := map[Status]string{Pass: "pass", Fail: "fail", Warn: "warn", NA: "na"}[s]
	return `<span class="badge ` + class + `">` + html.EscapeString(text) + `</span>`
}

func htmlCell(c cell, matrix bool) string {
	var b strings.Builder
	td := "<td>"
	if matrix {
		td = `<td class="matrix">`
	}
	b.WriteString(td)
	switch {
	case c.Status != "":
		b.WriteString(badge(c.Status, c.Text))
		if len(c.List) > 0 {
			b.WriteString(`<ul class="cell">`)
			for _, l := range c.List {
				b.WriteString("<li>" + html.EscapeString(l) + "</li>")
			}
			b.WriteString("</ul>")
		}
	case len(c.List) > 10:
		fmt.Fprintf(&b, "<details><summary>%d items</summary><ul class=\"cell\">", len(c.List))
		for _, l := range c.List {
			b.WriteString("<li>" + html.EscapeString(l) + "</li>")
		}
		b.WriteString("</ul></details>")
	case len(c.List) > 0:
		b.WriteString(`<ul class="cell">`)
		for _, l := range c.List {
			b.WriteString("<li>" + html.EscapeString(l) + "</li>")
		}
		b.WriteString("</ul>")
	case c.Mono && c.Text != "" && c.Text != "—":
		class := ""
		if len(c.Text) <= 16 {
			class = ` class="short"`
		}
		b.WriteString("<code" + class + ">" + html.EscapeString(c.Text) + "</code>")
	default:
		b.WriteString(html.EscapeString(c.Text))
	}
	b.WriteString("</td>")
	return b.String()
}

// HTML renders the report as one self-contained page: inline CSS, no script, no external
// resource (a Content-Security-Policy forbids loading any), readable from a file.
func HTML(r *Report, secs []section) []byte {
	var b strings.Builder
	b.WriteString("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n")
	b.WriteString(`<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'">` + "\n")
	b.WriteString(`<meta name="viewport" content="width=device-width, initial-scale=1">` + "\n")
	fmt.Fprintf(&b, "<title>%s</title>\n<style>%s</style>\n</head>\n<body>\n", html.EscapeString(r.Title), css)
	fmt.Fprintf(&b, "<header><h1>%s</h1>\n<p class=\"lead\">Generated from the cloud assembly <code>%s</code> by <code>go run ./cmd/audit</code>. Every row is computed from the synthesized CloudFormation templates and the cdk-nag reports: nothing here is written by hand.</p>\n", html.EscapeString(r.Title), html.EscapeString(r.Assembly))
	b.WriteString(`<div class="cards">`)
	card := func(label, value string, s Status) {
		fmt.Fprintf(&b, `<div class="card">%s<b>%s</b>%s</div>`, html.EscapeString(label), html.EscapeString(value), badge(s, string(s)))
	}
	cs := r.Summary.Controls
	ctl := Pass
	if cs[Fail] > 0 {
		ctl = Fail
	} else if cs[Warn] > 0 {
		ctl = Warn
	}
	card("Controls passing", fmt.Sprintf("%d of %d", cs[Pass], len(r.Controls)), ctl)
	iso := Pass
	if !r.Summary.IsolationOK {
		iso = Fail
	}
	card("Tenant pairs isolated", fmt.Sprintf("%d of %d", len(r.Isolation.Cells)-r.Isolation.Breaches, len(r.Isolation.Cells)), iso)
	nag := Pass
	if r.Summary.NagNonCompl > 0 {
		nag = Fail
	}
	card("cdk-nag unsuppressed", fmt.Sprint(r.Summary.NagNonCompl), nag)
	pol := Pass
	if r.Summary.PolicyFails > 0 {
		pol = Fail
	}
	card("IAM policy failures", fmt.Sprint(r.Summary.PolicyFails), pol)
	card("Stacks / resources", fmt.Sprintf("%d / %d", r.Summary.Stacks, r.Summary.Resources), NA)
	b.WriteString("</div>\n<nav><ol>")
	for _, s := range secs {
		fmt.Fprintf(&b, `<li><a href="#%s">%s</a></li>`, s.ID, html.EscapeString(s.Title))
	}
	b.WriteString("</ol></nav>\n</header>\n<main>\n")
	for _, s := range secs {
		fmt.Fprintf(&b, "<section id=\"%s\">\n<h2>%s</h2>\n<p>%s</p>\n", s.ID, html.EscapeString(s.Title), html.EscapeString(s.Intro))
		for _, t := range s.Tables {
			if t.Title != "" {
				fmt.Fprintf(&b, "<h3>%s</h3>\n", html.EscapeString(t.Title))
			}
			if t.Note != "" {
				fmt.Fprintf(&b, "<p>%s</p>\n", html.EscapeString(t.Note))
			}
			if len(t.Rows) == 0 {
				b.WriteString("<p class=\"empty\">None in these templates.</p>\n")
				continue
			}
			b.WriteString("<div class=\"table-wrap\"><table>\n<thead><tr>")
			for _, h := range t.Head {
				b.WriteString("<th>" + html.EscapeString(h) + "</th>")
			}
			b.WriteString("</tr></thead>\n<tbody>\n")
			matrix := s.ID == "isolation" && t.CSV == ""
			for _, row := range t.Rows {
				b.WriteString("<tr>")
				for i, c := range row {
					b.WriteString(htmlCell(c, matrix && i > 0))
				}
				b.WriteString("</tr>\n")
			}
			b.WriteString("</tbody></table></div>\n")
		}
		b.WriteString("</section>\n")
	}
	b.WriteString("</main>\n<footer>Machine-readable data: report.json, nag-results.json and the CSV files next to this page.</footer>\n</body>\n</html>\n")
	return []byte(b.String())
}
