package assembly

import (
	"encoding/csv"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"
)

// Nag report compliance values, as cdk-nag writes them.
const (
	NagCompliant    = "Compliant"
	NagNonCompliant = "Non-Compliant"
	NagSuppressed   = "Suppressed"
	NagUnknown      = "UNKNOWN" // the rule threw while validating (CdkNagValidationFailure)
)

// NagRow is one line of a cdk-nag report: one rule applied to one resource (one line per
// finding for granular rules).
type NagRow struct {
	Pack       string // e.g. AwsSolutions, HIPAA.Security
	Stack      string
	Rule       string // e.g. AwsSolutions-IAM5
	Resource   string // construct path below the stack, e.g. "Role/DefaultPolicy/Resource"
	Compliance string // NagCompliant, NagNonCompliant, NagSuppressed or NagUnknown
	Reason     string // the suppression reason (without the finding prefix); "" unless suppressed
	Finding    string // the granular finding a suppression applied to, e.g. "Resource::*"; "" if none
	Level      string // Error, Warning or Info
	Info       string // what the rule checks
}

// NagReportSuffix ends the name of every cdk-nag CSV report: <pack>-<prefix><stack>-NagReport.csv.
const NagReportSuffix = "-NagReport.csv"

// NagReport is one pack's report on one stack. A pack writes a report for every stack it
// visits, with no rows when none of its rules applies to the stack's resources.
type NagReport struct {
	Pack  string
	Stack string
	File  string // file name in the assembly directory
	Rows  []NagRow
}

// NagReports reads the cdk-nag CSV report of every stack of the assembly, sorted by file name
// (pack, then stack); rows stay in file order. Report files that name no stack of the manifest
// (left over in a reused output directory) are ignored.
func (a *Assembly) NagReports() ([]NagReport, error) {
	files, err := filepath.Glob(filepath.Join(a.Dir, "*"+NagReportSuffix))
	if err != nil {
		return nil, err
	}
	sort.Strings(files)
	var out []NagReport
	for _, f := range files {
		pack, stack, ok := a.parseReportName(filepath.Base(f))
		if !ok {
			continue
		}
		rows, err := readNagCSV(f, pack, stack)
		if err != nil {
			return nil, err
		}
		out = append(out, NagReport{Pack: pack, Stack: stack, File: filepath.Base(f), Rows: rows})
	}
	return out, nil
}

// NagRows returns the rows of every report.
func NagRows(reports []NagReport) []NagRow {
	var out []NagRow
	for _, r := range reports {
		out = append(out, r.Rows...)
	}
	return out
}

// NagPacks returns the packs that wrote reports, sorted.
func NagPacks(reports []NagReport) []string {
	var out []string
	for _, r := range reports {
		if len(out) == 0 || out[len(out)-1] != r.Pack {
			out = append(out, r.Pack)
		}
	}
	sort.Strings(out)
	return out
}

// parseReportName splits a report file name into pack and stack, matching the longest stack
// name (cdk-nag writes "<pack>-<stage id>-<stack>", and the app's stage ID is empty).
func (a *Assembly) parseReportName(base string) (pack, stack string, ok bool) {
	rest := strings.TrimSuffix(base, NagReportSuffix)
	for _, s := range a.Stacks {
		if p, found := strings.CutSuffix(rest, "-"+s.Name); found && len(s.Name) > len(stack) {
			pack, stack, ok = strings.TrimRight(p, "-"), s.Name, true
		}
	}
	return pack, stack, ok && pack != ""
}

func readNagCSV(file, pack, stack string) ([]NagRow, error) {
	f, err := os.Open(file)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	r := csv.NewReader(f)
	r.FieldsPerRecord = 6
	header, err := r.Read()
	if err != nil {
		return nil, fmt.Errorf("nag report %s: %w", filepath.Base(file), err)
	}
	if header[0] != "Rule ID" || header[2] != "Compliance" {
		return nil, fmt.Errorf("nag report %s: unexpected header %q", filepath.Base(file), header)
	}
	var rows []NagRow
	for {
		rec, err := r.Read()
		if err == io.EOF {
			return rows, nil
		}
		if err != nil {
			return nil, fmt.Errorf("nag report %s: %w", filepath.Base(file), err)
		}
		row := NagRow{Pack: pack, Stack: stack, Rule: rec[0], Resource: strings.TrimPrefix(rec[1], stack+"/"), Compliance: rec[2], Level: rec[4], Info: rec[5]}
		if row.Compliance == NagSuppressed {
			row.Reason = rec[3]
			// cdk-nag prefixes the reason of a granular suppression with the finding: "[Resource::*] reason".
			if strings.HasPrefix(row.Reason, "[") {
				if i := strings.Index(row.Reason, "] "); i > 0 {
					row.Finding, row.Reason = row.Reason[1:i], row.Reason[i+2:]
				}
			}
		}
		rows = append(rows, row)
	}
}
