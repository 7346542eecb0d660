package config

import (
	"os"
	"reflect"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// referenceRows returns, per table heading of README.md's "Configuration reference" (e.g.
// "environments[]"), the field paths its rows document and each row's text. A row's first cell
// lists paths in backticks separated by " / "; a path without a dot after the first takes the
// first one's prefix (`gpuNodes.minSize` / `desiredSize` → gpuNodes.desiredSize), and `x.*`
// documents everything under x.
func referenceRows(t *testing.T) map[string]map[string]string {
	t.Helper()
	b, err := os.ReadFile("../README.md")
	require.NoError(t, err)
	text := string(b)
	start := strings.Index(text, "## Configuration reference")
	require.GreaterOrEqual(t, start, 0, "README.md has a Configuration reference")
	text = text[start:]
	if end := strings.Index(text[3:], "\n## "); end >= 0 {
		text = text[:end+3]
	}
	tick := regexp.MustCompile("`([^`]+)`")
	out := map[string]map[string]string{}
	var table map[string]string
	for _, line := range strings.Split(text, "\n") {
		if h, ok := strings.CutPrefix(line, "### `"); ok {
			table = map[string]string{}
			out[strings.TrimSuffix(h, "`")] = table
			continue
		}
		if table == nil || !strings.HasPrefix(line, "| `") {
			continue
		}
		cells := strings.Split(line, " | ")
		prefix := ""
		for i, part := range strings.Split(cells[0], " / ") {
			m := tick.FindStringSubmatch(part)
			if m == nil {
				continue
			}
			p := m[1]
			if i == 0 {
				if dot := strings.LastIndex(p, "."); dot >= 0 {
					prefix = p[:dot+1]
				}
			} else if !strings.Contains(p, ".") {
				p = prefix + p
			}
			table[p] = line
		}
	}
	return out
}

// fieldPaths lists the YAML paths of t's fields: nested structs by dot, slices of structs with [].
func fieldPaths(t reflect.Type, prefix string) []string {
	var out []string
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		name, _, _ := strings.Cut(f.Tag.Get("yaml"), ",")
		if name == "" || name == "-" {
			continue
		}
		path := prefix + name
		ft := f.Type
		for ft.Kind() == reflect.Pointer {
			ft = ft.Elem()
		}
		switch {
		case ft.Kind() == reflect.Struct:
			out = append(out, fieldPaths(ft, path+".")...)
		case ft.Kind() == reflect.Slice && ft.Elem().Kind() == reflect.Struct:
			out = append(out, path+"[]")
			out = append(out, fieldPaths(ft.Elem(), path+"[].")...)
		default:
			out = append(out, path)
		}
	}
	return out
}

// documented reports whether path has a row: its own, a `x.*` row above it, or the row of a
// struct above it that names the field (`quota` … `{limit, period}`).
func documented(rows map[string]string, path string) bool {
	if _, ok := rows[path]; ok {
		return true
	}
	for p := path; strings.Contains(p, "."); {
		p = p[:strings.LastIndex(p, ".")]
		if _, ok := rows[p+".*"]; ok {
			return true
		}
		if row, ok := rows[p]; ok && strings.Contains(row, path[strings.LastIndex(path, ".")+1:]) {
			return true
		}
	}
	return false
}

// TestReadmeDocumentsEveryConfigField keeps the README's configuration reference true: every
// field of an environment and of a tenant has a row, and every row names a real field.
func TestReadmeDocumentsEveryConfigField(t *testing.T) {
	tables := referenceRows(t)
	for heading, typ := range map[string]reflect.Type{
		"environments[]": reflect.TypeOf(Environment{}),
		"tenants[]":      reflect.TypeOf(Tenant{}),
	} {
		rows, ok := tables[heading]
		require.True(t, ok, "README.md has a table for %s", heading)
		fields := fieldPaths(typ, "")
		for _, f := range fields {
			assert.True(t, documented(rows, f), "README.md, %s: no row for %s", heading, f)
		}
		for p := range rows {
			known := false
			for _, f := range fields {
				if f == p || strings.HasPrefix(f, strings.TrimSuffix(p, "*")) && strings.HasSuffix(p, ".*") || strings.HasPrefix(f, p+".") {
					known = true
					break
				}
			}
			assert.True(t, known, "README.md, %s: row %s names no configuration field", heading, p)
		}
	}
}

// TestTenantDocStatesTheModelDefaults keeps docs/tenant.md's model image contract in step with the
// defaults the configuration gives a model (port, health and readiness paths).
func TestTenantDocStatesTheModelDefaults(t *testing.T) {
	b, err := os.ReadFile("../docs/tenant.md")
	require.NoError(t, err)
	for _, v := range []string{DefaultHealthPath, DefaultReadyPath, strconv.Itoa(DefaultModelPort)} {
		assert.Contains(t, string(b), v)
	}
}
