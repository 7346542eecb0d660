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

// NagReports reads every cdk-nag CSV report in the assembly. It returns the rows in file
// order, grouped by pack then stack, and the packs that wrote a report, sorted.
func (a *Assembly) NagReports() ([]NagRow, []string, error) {
	files, err := filepath.Glob(filepath.Join(a.Dir, "*"+NagReportSuffix))
	if err != nil {
		return nil, nil, err
	}
	sort.Strings(files)
	var rows []NagRow
	packs := map[string]bool{}
	for _, f := range files {
		pack, stack, ok := a.parseReportName(filepath.Base(f))
		if !ok {
			return nil, nil, fmt.Errorf("nag report %s: names no stack of the assembly", filepath.Base(f))
		}
		packs[pack] = true
		r, err := readNagCSV(f, pack, stack)
		if err != nil {
			return nil, nil, err
		}
		rows = append(rows, r...)
	}
	var names []string
	for p := range packs {
		names = append(names, p)
	}
	sort.Strings(names)
	return rows, names, nil
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
