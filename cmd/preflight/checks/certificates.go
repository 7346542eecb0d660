package checks

import (
	"context"
	"fmt"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/acm"
	acmtypes "github.com/aws/aws-sdk-go-v2/service/acm/types"

	"github.com/voicevault/voicevault/config"
)

// certUse is one place the deployment file names an ACM certificate.
type certUse struct {
	field string // the config field, for the fix
	arn   string
	host  string // the name it must cover
	what  string // what uses it
}

func certUses(cfg *config.Config, e *config.Environment) []certUse {
	var out []certUse
	if e.Ingress.CertificateARN != "" {
		out = append(out, certUse{field: fmt.Sprintf("environments[%s].ingress.certificateArn", e.Name), arn: e.Ingress.CertificateARN, host: e.Ingress.HostName, what: "the ingress load balancer's HTTPS listener"})
	}
	for _, t := range cfg.TenantsIn(e.Name) {
		if t.CustomDomain != nil && t.CustomDomain.CertificateARN != "" {
			out = append(out, certUse{field: fmt.Sprintf("tenants[%s].customDomain.certificateArn", t.Name), arn: t.CustomDomain.CertificateARN, host: t.CustomDomain.DomainName, what: "tenant " + t.Name + "'s regional API custom domain"})
		}
	}
	return out
}

// checkCertificates describes each configured certificate in its own region: it must be ISSUED,
// in the environment's account and region (an ALB listener and a REGIONAL API Gateway custom
// domain take only a certificate of their own region: API Gateway Developer Guide, "Setting up a
// regional custom domain name in API Gateway"; Elastic Load Balancing, "SSL certificates for your
// Application Load Balancer"), and cover the host name it serves.
func checkCertificates(ctx context.Context, c *clients, cfg *config.Config, e *config.Environment) Group {
	g := Group{Name: "ACM certificates"}
	for _, u := range certUses(cfg, e) {
		g.Rows = append(g.Rows, checkCertificate(ctx, c, e, u))
	}
	if len(g.Rows) == 0 {
		g.Rows = append(g.Rows, Row{Check: "certificate", Subject: "(none configured)", Verdict: OK, Found: "no certificate in the deployment file for " + e.Name})
	}
	return g
}

func checkCertificate(ctx context.Context, c *clients, e *config.Environment, u certUse) Row {
	row := Row{Check: "certificate", Subject: u.arn, Verdict: Blocker}
	// arn:PARTITION:acm:REGION:ACCOUNT:certificate/ID
	parts := strings.SplitN(u.arn, ":", 6)
	if len(parts) != 6 || parts[2] != "acm" {
		row.Found = "not an ACM certificate ARN"
		row.Fix = "set " + u.field + " to an ACM certificate ARN"
		return row
	}
	region, account := parts[3], parts[4]
	if region != e.Region || account != e.Account {
		row.Found = fmt.Sprintf("in %s/%s; %s needs one in the environment's %s/%s", account, region, u.what, e.Account, e.Region)
		row.Fix = fmt.Sprintf("request or import a certificate for %s in ACM in %s (account %s) and set %s to it", u.host, e.Region, e.Account, u.field)
		return row
	}
	out, err := c.acm(region).DescribeCertificate(ctx, &acm.DescribeCertificateInput{CertificateArn: aws.String(u.arn)})
	if err != nil {
		if code, text := apiError(err); code == "ResourceNotFoundException" {
			row.Found = text
			row.Fix = fmt.Sprintf("set %s to a certificate that exists in %s", u.field, region)
			return row
		}
		return couldNotCheck("certificate", u.arn, "acm:DescribeCertificate", err)
	}
	cert := out.Certificate
	if cert == nil || cert.Status != acmtypes.CertificateStatusIssued {
		status := "unknown"
		if cert != nil {
			status = string(cert.Status)
		}
		row.Found = "status " + status + ", not ISSUED"
		row.Fix = "complete the certificate's validation (DNS records) or replace it in " + u.field
		return row
	}
	names := append([]string{aws.ToString(cert.DomainName)}, cert.SubjectAlternativeNames...)
	if u.host != "" && !covers(names, u.host) {
		row.Found = fmt.Sprintf("ISSUED for %s, which does not cover %s", strings.Join(dedupe(names), ", "), u.host)
		row.Fix = "use a certificate for " + u.host + " in " + u.field
		return row
	}
	row.Verdict = OK
	row.Found = "ISSUED, " + region + ", covers " + u.host + " (" + u.what + ")"
	return row
}

// covers reports whether one of names (exact, or a "*." wildcard one label deep) matches host.
func covers(names []string, host string) bool {
	host = strings.ToLower(host)
	for _, n := range names {
		n = strings.ToLower(n)
		if n == host {
			return true
		}
		if rest, ok := strings.CutPrefix(n, "*."); ok {
			if i := strings.IndexByte(host, '.'); i > 0 && host[i+1:] == rest {
				return true
			}
		}
	}
	return false
}

func dedupe(in []string) []string {
	seen := map[string]bool{}
	var out []string
	for _, s := range in {
		if !seen[s] {
			seen[s] = true
			out = append(out, s)
		}
	}
	return out
}
