package audit

import (
	"strings"

	"github.com/voicevault/voicevault/internal/review/assembly"
	"github.com/voicevault/voicevault/naming"
)

// Bucket is one S3 bucket's data lifecycle and protection.
type Bucket struct {
	Stack          string `json:"stack"`
	Resource       string `json:"resource"`
	Name           string `json:"name"`
	Tenant         string `json:"tenant,omitempty"`
	Versioning     string `json:"versioning"`
	ExpireDays     string `json:"expirationDays"`
	NoncurrentDays string `json:"noncurrentExpirationDays"`
	AbortDays      string `json:"abortIncompleteUploadDays"`
	ObjectLock     string `json:"objectLock"`
	DeletionPolicy string `json:"deletionPolicy"`
	AccessLogs     string `json:"accessLogging"`
	LogTarget      bool   `json:"isAccessLogTarget"`
	PublicBlock    bool   `json:"blockPublicAccess"`
	TLSOnly        bool   `json:"tlsOnly"`
	Encryption     string `json:"encryption"`
	Erasure        string `json:"erasure"`
	Status         Status `json:"status"`
	Problems       string `json:"problems"`
}

func (b *builder) lifecycle() {
	known := map[string]bool{}
	for _, t := range Tenants(b.a) {
		known[t.Name] = true
	}
	targets := map[string]bool{} // stack/logicalID or name of buckets other buckets log into
	for _, s := range b.a.Stacks {
		for _, r := range s.OfType("AWS::S3::Bucket") {
			if d := assembly.Get(r.Properties, "LoggingConfiguration", "DestinationBucketName"); d != nil {
				if id := assembly.RefTarget(d); id != "" {
					targets[s.Name+"/"+id] = true
				} else {
					targets[render(d)] = true
				}
			}
		}
	}
	for _, s := range b.a.Stacks {
		_, env, stackTenant := stackKind(s)
		for _, r := range s.OfType("AWS::S3::Bucket") {
			p := r.Properties
			bk := Bucket{Stack: s.Name, Resource: r.Label(), Name: render(p["BucketName"]), DeletionPolicy: r.DeletionPolicy}
			if bk.Name == "" {
				bk.Name = "(generated)"
			}
			bk.Tenant = stackTenant
			if t, _, ok := naming.ParseAudioBucket(bk.Name, func(t string) bool { return known[t] }); ok && bk.Tenant == "" {
				bk.Tenant = t
			}
			bk.Versioning = render(assembly.Get(p, "VersioningConfiguration", "Status"))
			if bk.Versioning == "" {
				bk.Versioning = "off"
			}
			for _, rule := range assembly.List(assembly.Get(p, "LifecycleConfiguration", "Rules")) {
				if render(assembly.Get(rule, "Status")) != "Enabled" {
					continue
				}
				if d := render(assembly.Get(rule, "ExpirationInDays")); d != "" {
					bk.ExpireDays = d
				}
				if d := render(assembly.Get(rule, "NoncurrentVersionExpiration", "NoncurrentDays")); d != "" {
					bk.NoncurrentDays = d
				} else if d := render(assembly.Get(rule, "NoncurrentVersionExpirationInDays")); d != "" {
					bk.NoncurrentDays = d
				}
				if d := render(assembly.Get(rule, "AbortIncompleteMultipartUpload", "DaysAfterInitiation")); d != "" {
					bk.AbortDays = d
				}
			}
			if on, _ := assembly.Bool(p["ObjectLockEnabled"]); on {
				bk.ObjectLock = "enabled"
				if mode := render(assembly.Get(p, "ObjectLockConfiguration", "Rule", "DefaultRetention", "Mode")); mode != "" {
					bk.ObjectLock += ": " + mode + " " + render(assembly.Get(p, "ObjectLockConfiguration", "Rule", "DefaultRetention", "Days")) + " days"
				}
			} else {
				bk.ObjectLock = "off"
			}
			if d := assembly.Get(p, "LoggingConfiguration", "DestinationBucketName"); d != nil {
				bk.AccessLogs = b.label(s, d) + "/" + render(assembly.Get(p, "LoggingConfiguration", "LogFilePrefix"))
			}
			bk.LogTarget = targets[s.Name+"/"+r.ID] || targets[bk.Name]
			bpa := assembly.Get(p, "PublicAccessBlockConfiguration")
			bk.PublicBlock = true
			for _, k := range []string{"BlockPublicAcls", "BlockPublicPolicy", "IgnorePublicAcls", "RestrictPublicBuckets"} {
				if on, _ := assembly.Bool(assembly.Get(bpa, k)); !on {
					bk.PublicBlock = false
				}
			}
			bk.TLSOnly = tlsOnly(s, r.ID)
			for _, e := range b.r.Encryption {
				if e.Stack == s.Name && e.Resource == r.Label() {
					bk.Encryption = e.Encryption
					if e.KeyAlias != "" {
						bk.Encryption += " " + e.KeyAlias
					}
				}
			}
			bk.Erasure = b.erasure(bk, env)
			var problems []string
			check := func(ok bool, problem string) {
				if !ok {
					problems = append(problems, problem)
				}
			}
			check(bk.Versioning == "Enabled", "versioning off")
			check(bk.ExpireDays != "", "no lifecycle expiration")
			check(bk.Versioning != "Enabled" || bk.NoncurrentDays != "", "noncurrent versions never expire")
			check(retained(bk.DeletionPolicy), "not retained on stack deletion")
			check(bk.PublicBlock, "public access not fully blocked")
			check(bk.TLSOnly, "no TLS-only bucket policy")
			bk.Status = Pass
			if len(problems) > 0 {
				bk.Status = Fail
			}
			if bk.AccessLogs == "" {
				if bk.LogTarget {
					problems = append(problems, "no access logging (it is the access-log target)")
					bk.Status = worst(bk.Status, Warn)
				} else {
					problems = append(problems, "no access logging")
					bk.Status = Fail
				}
			}
			bk.Problems = strings.Join(problems, "; ")
			b.r.Buckets = append(b.r.Buckets, bk)
		}
	}
}

// tlsOnly reports whether a bucket policy in the stack denies requests without TLS.
func tlsOnly(s *assembly.Stack, bucket string) bool {
	for _, bp := range s.OfType("AWS::S3::BucketPolicy") {
		if assembly.RefTarget(bp.Properties["Bucket"]) != bucket {
			continue
		}
		for _, st := range assembly.List(assembly.Get(bp.Properties, "PolicyDocument", "Statement")) {
			if render(assembly.Get(st, "Effect")) != "Deny" {
				continue
			}
			if v := render(assembly.Get(st, "Condition", "Bool", "aws:SecureTransport")); v == "false" {
				return true
			}
		}
	}
	return false
}

func (b *builder) erasure(bk Bucket, env string) string {
	var parts []string
	if bk.ExpireDays != "" {
		s := "objects expire after " + bk.ExpireDays + " days"
		if bk.NoncurrentDays != "" {
			s += ", noncurrent versions " + bk.NoncurrentDays + " days after they are replaced or deleted"
		}
		parts = append(parts, s)
	}
	if bk.Tenant != "" {
		alias := "alias/" + naming.TenantKeyAlias(env, bk.Tenant)
		window := ""
		if k := b.aliases[alias]; k != nil {
			window = ", " + k.PendingDays + "-day deletion window"
		}
		parts = append(parts, "on request or offboarding: delete every object version of the tenant, then schedule deletion of "+alias+" (crypto-shredding"+window+": copies and backups become unreadable)")
	}
	parts = append(parts, "procedure: "+b.opts.ErasureDoc)
	return strings.Join(parts, "; ")
}

// retained reports whether a DeletionPolicy keeps the resource when its stack is deleted (see
// assembly.Resource.Retained).
func retained(policy string) bool { return (&assembly.Resource{DeletionPolicy: policy}).Retained() }
