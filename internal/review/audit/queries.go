package audit

import "fmt"

// AuditQuery is one saved Athena query over CloudTrail (AWS::Athena::NamedQuery): what it answers
// and how an auditor runs it.
type AuditQuery struct {
	Stack     string `json:"stack"`
	Name      string `json:"name"`
	Answers   string `json:"answers"` // the named query's description
	WorkGroup string `json:"workGroup"`
	Database  string `json:"database"`
	Run       string `json:"run"` // how to run it, as it is
	SQL       string `json:"sql"`
}

// auditQueries lists every saved query of the assembly.
func (b *builder) auditQueries() {
	for _, s := range b.a.Stacks {
		for _, r := range s.OfType("AWS::Athena::NamedQuery") {
			p := r.Properties
			wg := render(p["WorkGroup"]) // a name: VoiceVault names the workgroup, never references it
			name := render(p["Name"])
			b.r.AuditQueries = append(b.r.AuditQueries, AuditQuery{
				Stack: s.Name, Name: name, Answers: render(p["Description"]), WorkGroup: wg, Database: render(p["Database"]), SQL: render(p["QueryString"]),
				Run: fmt.Sprintf("Athena console, region %s, workgroup %s → Saved queries → %s → Run; or: aws athena start-query-execution --region %s --work-group %s "+
					"--query-string \"$(aws athena get-named-query --region %s --named-query-id <id from: aws athena list-named-queries --work-group %s> --query NamedQuery.QueryString --output text)\"",
					s.Region, wg, name, s.Region, wg, s.Region, wg),
			})
		}
	}
}
