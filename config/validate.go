package config

import (
	"fmt"
	"maps"
	"net/mail"
	"net/netip"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/voicevault/voicevault/naming"
)

var (
	reDNSLabel     = regexp.MustCompile(`^[a-z]([a-z0-9-]*[a-z0-9])?$`)
	reAccount      = regexp.MustCompile(`^[0-9]{12}$`)
	reRegion       = regexp.MustCompile(`^[a-z]{2}(-gov|-iso[a-z]?)?-[a-z]+-[0-9]$`)
	reInstanceType = regexp.MustCompile(`^[a-z][a-z0-9-]*\.[0-9]*[a-z0-9]+$`)
	reRoleARN      = regexp.MustCompile(`^arn:aws(-[a-z]+)*:iam::[0-9]{12}:role/[A-Za-z0-9+=,.@_/-]{1,512}$`)
	reImageDigest  = regexp.MustCompile(`^[a-z0-9]([a-z0-9.-]*[a-z0-9])?(:[0-9]{1,5})?/[a-z0-9]+([._/-][a-z0-9]+)*@sha256:[a-f0-9]{64}$`)
	reQuantity     = regexp.MustCompile(`^[0-9]+(\.[0-9]+)?(m|Ki|Mi|Gi|Ti)?$`)
	reClaim        = regexp.MustCompile(`^[A-Za-z0-9_:/.-]{1,128}$`)
	reHTTPPath     = regexp.MustCompile(`^/[A-Za-z0-9._/-]{0,127}$`)
	reFQDN         = regexp.MustCompile(`^([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$`)
	reTagKey       = regexp.MustCompile(`^[\p{L}\p{Z}\p{N}_.:/=+@-]{1,128}$`)
	reTagValue     = regexp.MustCompile(`^[\p{L}\p{Z}\p{N}_.:/=+@-]{0,256}$`)
	reQualifier    = regexp.MustCompile(`^[a-z0-9]{1,10}$`)
	reGitHubRepo   = regexp.MustCompile(`^[A-Za-z0-9]([A-Za-z0-9-]{0,37}[A-Za-z0-9])?/[A-Za-z0-9._-]{1,100}$`)
	reGitHubEnv    = regexp.MustCompile(`^[A-Za-z0-9._-]{1,100}$`)
	reGitBranch    = regexp.MustCompile(`^[A-Za-z0-9._/-]{1,200}$`)
	rePartnerID    = regexp.MustCompile(`^[a-z0-9][a-z0-9-]{0,31}$`)
)

// Limits of what the file may ask for.
const (
	MaxEnvNameLen    = 10 // keeps the audio bucket name within S3's 63 characters
	MaxTenantNameLen = 20
	MaxReplicas      = 20
	// MaxTargetInFlight bounds model.autoscaling.targetInFlight: one GPU serves a few syntheses at once.
	MaxTargetInFlight = 64
	MaxGPUsPerPod     = 8
	MaxNodeGroupSize  = 100
	MaxRetentionDays  = 3650
	// MaxListenerPriority is the highest rule priority an Application Load Balancer listener takes.
	MaxListenerPriority = 50000
	// MaxPartners bounds a tenant's partners: each adds a usage plan, an API key and their link
	// to the tenant's template, and usage plans count against a Regional quota (300 per account
	// by default).
	MaxPartners = 20
)

// QuotaPeriods are the quota periods API Gateway accepts.
var QuotaPeriods = []QuotaPeriod{QuotaDay, QuotaWeek, QuotaMonth}

// LogRetentionValues are the retention periods CloudWatch Logs accepts.
var LogRetentionValues = []int{1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653}

// KubernetesVersions are the versions the pinned CDK (awseksv2) supports with managed node groups.
var KubernetesVersions = []string{"1.31", "1.32", "1.33", "1.34", "1.35", "1.36"}

// Sensitivities are the allowed dataSensitivity labels, most sensitive first.
var Sensitivities = []string{"biometric", "confidential", "internal"}

// GPUInstanceFamilies are the NVIDIA instance families the Bottlerocket NVIDIA AMI runs on. Node
// groups take the types of InstanceTable among them (capacity is computed from its rows).
var GPUInstanceFamilies = []string{"g4dn", "g5", "g6", "g6e", "gr6", "p4d", "p4de", "p5", "p5e", "p5en", "p6-b200"}

// MandatoryTagKeys are set by VoiceVault on every resource and cannot be overridden.
var MandatoryTagKeys = []string{"Environment", "Owner", "DataSensitivity", "Tenant", "ManagedBy"}

type checker struct{ probs []Problem }

func (c *checker) add(path, format string, args ...any) {
	c.probs = append(c.probs, Problem{Path: path, Message: fmt.Sprintf(format, args...)})
}

func (c *Config) validate() []Problem {
	ck := &checker{}
	if len(c.Environments) == 0 {
		ck.add("environments", "at least one environment is required")
	}
	if len(c.Tenants) == 0 {
		ck.add("tenants", "at least one tenant is required")
	}
	envs := map[string]int{}
	for i := range c.Environments {
		e := &c.Environments[i]
		p := fmt.Sprintf("environments[%d]", i)
		e.validate(ck, p)
		if j, dup := envs[e.Name]; dup && e.Name != "" {
			ck.add(p+".name", "%q is already the name of environments[%d]; environment names must be unique", e.Name, j)
		}
		envs[e.Name] = i
	}
	tenants := map[string]int{}
	for i := range c.Tenants {
		t := &c.Tenants[i]
		p := fmt.Sprintf("tenants[%d]", i)
		t.validate(ck, p)
		if j, dup := tenants[t.Name]; dup && t.Name != "" {
			ck.add(p+".name", "%q is already the name of tenants[%d]; tenant names must be unique", t.Name, j)
		}
		tenants[t.Name] = i
		e, ok := c.Environment(t.Environment)
		switch {
		case t.Environment == "":
			ck.add(p+".environment", "is required (one of: %s)", strings.Join(c.envNames(), ", "))
		case !ok:
			ck.add(p+".environment", "%q is not a configured environment (one of: %s)", t.Environment, strings.Join(c.envNames(), ", "))
		default:
			if n := len(e.Names().AudioBucket(t.Name)); n > 63 {
				ck.add(p+".name", "audio bucket name %q is %d characters; S3 allows 63 (shorten the tenant or environment name)", e.Names().AudioBucket(t.Name), n)
			}
			// Only the environment's own registry: the repository its node roles alone may pull
			// from, scanned on push, with immutable tags and a lifecycle that keeps tagged images.
			valid := reAccount.MatchString(e.Account) && reRegion.MatchString(e.Region) // else reported on the environment
			if repo := e.ModelImageRepository(); valid && reImageDigest.MatchString(t.Model.Image) && !strings.HasPrefix(t.Model.Image, repo+"@sha256:") {
				ck.add(p+".model.image", "%q is not from environment %q's model registry (allowed: %s@sha256:<64 hex>; push the image there, see docs/tenant.md)", t.Model.Image, e.Name, repo)
			}
			if t.CustomDomain != nil && t.CustomDomain.CertificateARN != "" {
				if r := arnRegion(t.CustomDomain.CertificateARN); r != e.Region {
					ck.add(p+".customDomain.certificateArn", "certificate is in region %q; a regional API in %s needs a certificate from %s", r, e.Region, e.Region)
				}
			}
		}
	}
	// Ingress listener rule priorities are unique per environment (the environment's tenants share
	// one listener).
	for i := range c.Environments {
		e := &c.Environments[i]
		owner := map[int]string{}
		for _, t := range c.TenantsIn(e.Name) {
			pr := t.API.ListenerPriority
			if other, taken := owner[pr]; taken && pr >= 1 && pr <= MaxListenerPriority {
				ck.add(fmt.Sprintf("tenants[%d].api.listenerPriority", tenants[t.Name]), "%d is already tenant %q's rule priority in environment %q; set api.listenerPriority (1 to %d) on one of them to a free value", pr, other, e.Name, MaxListenerPriority)
				continue
			}
			owner[pr] = t.Name
		}
	}
	c.validateDelivery(ck)
	c.validateSingletons(ck)
	c.validateCapacity(ck, tenants)
	// Isolation: a dedicated tenant is the only tenant of its environment.
	for i := range c.Environments {
		e := &c.Environments[i]
		in := c.TenantsIn(e.Name)
		for _, t := range in {
			if t.Isolation == IsolationDedicated {
				if len(in) > 1 {
					ck.add(fmt.Sprintf("tenants[%d].isolation", tenants[t.Name]), "dedicated tenant %q shares environment %q with %d other tenant(s); a dedicated tenant needs an environment of its own", t.Name, e.Name, len(in)-1)
				}
				e.dedicatedTo = t.Name
			}
		}
	}
	return ck.probs
}

func (c *Config) envNames() []string {
	var names []string
	for _, e := range c.Environments {
		names = append(names, e.Name)
	}
	return names
}

func (e *Environment) validate(ck *checker, p string) {
	dnsLabel(ck, p+".name", e.Name, MaxEnvNameLen)
	if st, ok := naming.ParseStack(naming.PlatformStack(e.Name)); e.Name != "" && (!ok || st.Env != e.Name) {
		ck.add(p+".name", "%q would make stack names the audit cannot read back (it must not contain \"-tenant-\")", e.Name)
	}
	if !reAccount.MatchString(e.Account) {
		ck.add(p+".account", "%q is not an AWS account ID (12 digits, quoted in YAML)", e.Account)
	}
	if !reRegion.MatchString(e.Region) {
		ck.add(p+".region", "%q is not an AWS region name (e.g. eu-west-1)", e.Region)
	}
	if strings.TrimSpace(e.Owner) == "" {
		ck.add(p+".owner", "is required (the team or e-mail accountable for this environment)")
	}
	if len(e.AZs) == 0 {
		ck.add(p+".availabilityZones", "is required: list 2 to 6 zones of %s that offer the GPU instance types (zone names map to different physical zones in each account; make preflight ENV=%s checks every listed zone)", e.Region, e.Name)
	} else if e.AZCount < 2 || e.AZCount > 6 {
		ck.add(p+".azCount", "%d is out of range (2 to 6)", e.AZCount)
	} else if len(e.AZs) != e.AZCount {
		ck.add(p+".availabilityZones", "%d zones given but azCount is %d", len(e.AZs), e.AZCount)
	}
	seenAZ := map[string]bool{}
	for i, az := range e.AZs {
		if !strings.HasPrefix(az, e.Region) || len(az) != len(e.Region)+1 || az[len(az)-1] < 'a' || az[len(az)-1] > 'z' {
			ck.add(fmt.Sprintf("%s.availabilityZones[%d]", p, i), "%q is not a zone of region %q (e.g. %sa)", az, e.Region, e.Region)
		}
		if seenAZ[az] {
			ck.add(fmt.Sprintf("%s.availabilityZones[%d]", p, i), "%q is listed twice", az)
		}
		seenAZ[az] = true
	}
	if pfx, err := netip.ParsePrefix(e.VPCCIDR); err != nil || !pfx.Addr().Is4() {
		ck.add(p+".vpcCidr", "%q is not an IPv4 CIDR block (e.g. 10.40.0.0/16)", e.VPCCIDR)
	} else if pfx.Bits() < 16 || pfx.Bits() > 20 {
		ck.add(p+".vpcCidr", "%q has prefix /%d; allowed /16 to /20", e.VPCCIDR, pfx.Bits())
	} else if pfx.Masked() != pfx {
		ck.add(p+".vpcCidr", "%q has host bits set; did you mean %s", e.VPCCIDR, pfx.Masked())
	} else if !pfx.Addr().IsPrivate() {
		ck.add(p+".vpcCidr", "%q is not a private (RFC 1918) range", e.VPCCIDR)
	}
	if !slices.Contains(KubernetesVersions, e.KubernetesVersion) {
		ck.add(p+".kubernetesVersion", "%q is not supported (one of: %s)", e.KubernetesVersion, strings.Join(KubernetesVersions, ", "))
	}
	if e.Egress != EgressNone && e.Egress != EgressNAT {
		ck.add(p+".egress", "%q is not an egress mode (one of: none, nat)", e.Egress)
	}
	e.GPUNodes.validate(ck, p+".gpuNodes", true)
	e.SystemNodes.validate(ck, p+".systemNodes", false)
	if len(e.ClusterAdminRoleARNs) == 0 {
		ck.add(p+".clusterAdminRoleArns", "at least one IAM role ARN is required (cluster-admin access entries)")
	}
	for i, arn := range e.ClusterAdminRoleARNs {
		fp := fmt.Sprintf("%s.clusterAdminRoleArns[%d]", p, i)
		if !reRoleARN.MatchString(arn) {
			ck.add(fp, "%q is not an IAM role ARN (arn:aws:iam::<account>:role/<name>)", arn)
		} else if acct := strings.Split(arn, ":")[4]; acct != e.Account && reAccount.MatchString(e.Account) {
			ck.add(fp, "role is in account %s, not the environment's account %s", acct, e.Account)
		}
	}
	for i, arn := range e.ErasureRoleARNs {
		fp := fmt.Sprintf("%s.erasureRoleArns[%d]", p, i)
		if !reRoleARN.MatchString(arn) {
			ck.add(fp, "%q is not an IAM role ARN (arn:aws:iam::<account>:role/<name>)", arn)
		} else if acct := strings.Split(arn, ":")[4]; acct != e.Account && reAccount.MatchString(e.Account) {
			ck.add(fp, "role is in account %s, not the environment's account %s", acct, e.Account)
		}
	}
	if a, err := mail.ParseAddress(e.AlarmEmail); err != nil || a.Address != e.AlarmEmail {
		ck.add(p+".alarmEmail", "%q is not an e-mail address", e.AlarmEmail)
	}
	if !slices.Contains(LogRetentionValues, e.LogRetentionDays) {
		ck.add(p+".logRetentionDays", "%d is not a CloudWatch Logs retention (one of: %s)", e.LogRetentionDays, joinInts(LogRetentionValues))
	}
	switch in := e.Ingress; {
	case in.PlainHTTP && (in.CertificateARN != "" || in.HostName != ""):
		ck.add(p+".ingress.plainHttp", "true together with certificateArn/hostName; set one or the other")
	case !in.PlainHTTP && in.CertificateARN == "" && in.HostName == "":
		ck.add(p+".ingress.certificateArn", "is required: the API → load balancer hop is HTTPS by default; set certificateArn and hostName (a public ACM certificate in %s for a name you own), or plainHttp: true to accept HTTP inside the VPC", e.Region)
	}
	if in := e.Ingress; in.CertificateARN != "" || in.HostName != "" {
		if !strings.HasPrefix(in.CertificateARN, "arn:aws:acm:") || !strings.Contains(in.CertificateARN, ":certificate/") {
			ck.add(p+".ingress.certificateArn", "%q is not an ACM certificate ARN (hostName needs one)", in.CertificateARN)
		} else if r := arnRegion(in.CertificateARN); r != e.Region {
			ck.add(p+".ingress.certificateArn", "certificate is in region %q; the load balancer in %s needs a certificate from %s", r, e.Region, e.Region)
		}
		if !reFQDN.MatchString(in.HostName) || len(in.HostName) > 253 {
			ck.add(p+".ingress.hostName", "%q is not a lowercase DNS name; with certificateArn it is required: the name on the certificate that API Gateway connects to", in.HostName)
		}
	}
	validateTags(ck, p+".tags", e.Tags)
	e.Deployment.validate(ck, p+".deployment")
	e.Monitoring.validate(ck, p+".monitoring", e.Region, e.Account)
}

func (d *Deployment) validate(ck *checker, p string) {
	if !reQualifier.MatchString(d.Qualifier) {
		ck.add(p+".qualifier", "%q is not a cdk bootstrap qualifier (1-10 lowercase letters and digits)", d.Qualifier)
	}
	gh := d.GitHub
	if gh == nil {
		return
	}
	p += ".github"
	switch r := gh.Repository; {
	case r == "":
		ck.add(p+".repository", "is required (owner/name of the GitHub repository whose workflow deploys)")
	case !reGitHubRepo.MatchString(r) || strings.HasSuffix(r, "/.") || strings.HasSuffix(r, "/.."):
		ck.add(p+".repository", "%q is not a GitHub repository (owner/name: letters, digits and '-' in the owner; letters, digits, '.', '_' and '-' in the name)", r)
	}
	if !reGitHubEnv.MatchString(gh.Environment) {
		ck.add(p+".environment", "%q is not a GitHub environment name this delivery accepts (1-100 letters, digits, '.', '_' and '-')", gh.Environment)
	}
	b := gh.Branch
	if !reGitBranch.MatchString(b) || strings.Contains(b, "..") || strings.Contains(b, "//") || strings.HasPrefix(b, "/") || strings.HasPrefix(b, "-") ||
		strings.HasSuffix(b, "/") || strings.HasSuffix(b, ".") || strings.HasSuffix(b, ".lock") {
		ck.add(p+".branch", "%q is not a git branch name (letters, digits, '.', '_', '-' and '/', no '..', not ending in '/', '.' or .lock)", b)
	}
}

// validateDelivery checks what environments must not share: a bootstrap (account, region,
// qualifier), a GitHub environment (its OIDC subject would open one environment's deploy role
// to the other's jobs) and the creation of an account's single GitHub OIDC provider.
// validateSingletons refuses two environments in one account and Region that would both create
// the same account/region singleton: the second stack's create would fail.
func (c *Config) validateSingletons(ck *checker) {
	reported := map[string]bool{} // one problem per field: Config's recorder and channel share a switch
	for _, s := range Singletons {
		first := map[string]int{}
		for i := range c.Environments {
			e := &c.Environments[i]
			if !s.Enabled(e.Services) {
				continue
			}
			key := e.Account + "/" + e.Region
			if j, dup := first[key]; dup {
				field := fmt.Sprintf("environments[%d].services.%s", i, s.Switch)
				if reported[field] {
					continue
				}
				reported[field] = true
				ck.add(field, "environments[%d] (%s) already creates the %s of account %s in %s, and there can be only one; set %s: false here", j, c.Environments[j].Name, s.What, e.Account, e.Region, s.Switch)
				continue
			}
			first[key] = i
		}
	}
}

func (c *Config) validateDelivery(ck *checker) {
	bootstraps := map[string]int{}
	ghEnvs := map[string]int{}
	providers := map[string]int{}
	for i := range c.Environments {
		e := &c.Environments[i]
		p := fmt.Sprintf("environments[%d].deployment", i)
		key := e.Account + "/" + e.Region + "/" + e.Deployment.Qualifier
		if j, dup := bootstraps[key]; dup {
			ck.add(p+".qualifier", "%q is already the qualifier of environments[%d] in the same account and region; give each environment its own bootstrap qualifier", e.Deployment.Qualifier, j)
		} else {
			bootstraps[key] = i
		}
		gh := e.Deployment.GitHub
		if gh == nil {
			continue
		}
		ghKey := strings.ToLower(gh.Repository + ":" + gh.Environment) // GitHub environment names are case-insensitive
		if j, dup := ghEnvs[ghKey]; dup {
			ck.add(p+".github.environment", "%q is already the GitHub environment of environments[%d]; each environment needs its own, or one environment's jobs could assume the other's deploy role", gh.Environment, j)
		} else {
			ghEnvs[ghKey] = i
		}
		if !gh.ExistingOIDCProvider {
			if j, dup := providers[e.Account]; dup {
				ck.add(p+".github.existingOidcProvider", "account %s has one GitHub OIDC provider, created by the delivery stack of environments[%d]; set existingOidcProvider: true here", e.Account, j)
			} else {
				providers[e.Account] = i
			}
		}
	}
}

func (n *NodeGroup) validate(ck *checker, p string, gpu bool) {
	if len(n.InstanceTypes) == 0 {
		ck.add(p+".instanceTypes", "at least one instance type is required")
	}
	for i, it := range n.InstanceTypes {
		fp := fmt.Sprintf("%s.instanceTypes[%d]", p, i)
		if !reInstanceType.MatchString(it) {
			ck.add(fp, "%q is not an EC2 instance type (e.g. g6.xlarge)", it)
			continue
		}
		family := it[:strings.LastIndex(it, ".")]
		if spec, known := Instance(it); gpu && (!known || spec.GPUs == 0) {
			if slices.Contains(GPUInstanceFamilies, family) {
				ck.add(fp, "%q is not in VoiceVault's GPU capacity table, so its pods can't be sized (one of: %s)", it, strings.Join(GPUInstanceTypes(), ", "))
			} else {
				ck.add(fp, "%q is not an NVIDIA GPU instance type (one of: %s)", it, strings.Join(GPUInstanceTypes(), ", "))
			}
		}
		if !gpu && slices.Contains(GPUInstanceFamilies, family) {
			ck.add(fp, "%q is a GPU instance type; system nodes should not hold GPUs", it)
		}
	}
	lo, want, hi := *n.MinSize, *n.DesiredSize, *n.MaxSize
	if lo < 0 {
		ck.add(p+".minSize", "%d is negative", lo)
	}
	if hi < 1 || hi > MaxNodeGroupSize {
		ck.add(p+".maxSize", "%d is out of range (1 to %d)", hi, MaxNodeGroupSize)
	}
	if lo > hi {
		ck.add(p+".minSize", "min size %d can't be greater than max size %d", lo, hi)
	}
	if want < lo || want > hi {
		ck.add(p+".desiredSize", "desired size %d must be between min size %d and max size %d", want, lo, hi)
	}
	if n.DiskSizeGiB < 20 || n.DiskSizeGiB > 2000 {
		ck.add(p+".diskSizeGiB", "%d is out of range (20 to 2000)", n.DiskSizeGiB)
	}
}

func (t *Tenant) validate(ck *checker, p string) {
	dnsLabel(ck, p+".name", t.Name, MaxTenantNameLen)
	if strings.TrimSpace(t.Owner) == "" {
		ck.add(p+".owner", "is required (the team or e-mail accountable for this tenant)")
	}
	if !slices.Contains(Sensitivities, t.DataSensitivity) {
		ck.add(p+".dataSensitivity", "%q is not a sensitivity (one of: %s)", t.DataSensitivity, strings.Join(Sensitivities, ", "))
	}
	if t.Isolation != IsolationPooled && t.Isolation != IsolationDedicated {
		ck.add(p+".isolation", "%q is not an isolation mode (one of: pooled, dedicated)", t.Isolation)
	}
	m := t.Model
	if m.Image == "" {
		ck.add(p+".model.image", "is required (an image pinned by digest: <registry>/<repo>@sha256:<64 hex>)")
	} else if !reImageDigest.MatchString(m.Image) {
		ck.add(p+".model.image", "%q is not pinned by digest (<registry>/<repo>@sha256:<64 hex>; tags are mutable)", m.Image)
	}
	if m.Replicas < 1 || m.Replicas > MaxReplicas {
		ck.add(p+".model.replicas", "%d is out of range (1 to %d)", m.Replicas, MaxReplicas)
	}
	if a := m.Autoscaling; a != nil {
		if a.MaxReplicas < m.Replicas || a.MaxReplicas > MaxReplicas {
			ck.add(p+".model.autoscaling.maxReplicas", "%d is out of range (model.replicas %d to %d)", a.MaxReplicas, m.Replicas, MaxReplicas)
		}
		if !(a.TargetInFlight > 0 && a.TargetInFlight <= MaxTargetInFlight) {
			ck.add(p+".model.autoscaling.targetInFlight", "%g is out of range (above 0, at most %d inference requests per pod)", a.TargetInFlight, MaxTargetInFlight)
		}
	}
	if m.Port < 1024 || m.Port > 65535 {
		ck.add(p+".model.port", "%d is out of range (1024 to 65535: the container runs as non-root)", m.Port)
	}
	if m.GPUs < 1 || m.GPUs > MaxGPUsPerPod {
		ck.add(p+".model.gpus", "%d is out of range (1 to %d)", m.GPUs, MaxGPUsPerPod)
	}
	if ma := m.MinAvailable; ma != nil && (*ma < 0 || *ma >= m.Replicas) {
		ck.add(p+".model.minAvailable", "%d would block every node drain: the PodDisruptionBudget of tenant %q must let at least one of its %d replica(s) go (allowed: 0 to %d)", *ma, t.Name, m.Replicas, max(m.Replicas-1, 0))
	}
	if d := t.DedicatedGPUNodes; d != nil {
		d.validate(ck, p+".dedicatedGpuNodes", true)
		if t.Isolation == IsolationDedicated {
			ck.add(p+".dedicatedGpuNodes", "tenant %q has isolation: dedicated, whose environment's GPU nodes are all its own; remove dedicatedGpuNodes (allowed with isolation: pooled)", t.Name)
		}
	}
	if !reQuantity.MatchString(m.CPU) {
		ck.add(p+".model.cpu", "%q is not a Kubernetes CPU quantity (e.g. 4 or 3500m)", m.CPU)
	}
	if !reQuantity.MatchString(m.Memory) {
		ck.add(p+".model.memory", "%q is not a Kubernetes memory quantity (e.g. 16Gi)", m.Memory)
	}
	for _, hp := range []struct{ field, v string }{{"healthPath", m.HealthPath}, {"readyPath", m.ReadyPath}} {
		if !reHTTPPath.MatchString(hp.v) {
			ck.add(p+".model."+hp.field, "%q is not an HTTP path (starts with /, letters, digits, . _ - /)", hp.v)
		}
	}
	if t.AudioRetentionDays < 1 || t.AudioRetentionDays > MaxRetentionDays {
		ck.add(p+".audioRetentionDays", "%d is out of range (1 to %d days)", t.AudioRetentionDays, MaxRetentionDays)
	}
	a := t.Authorizer
	httpsURL(ck, p+".authorizer.issuer", a.Issuer)
	httpsURL(ck, p+".authorizer.jwksUrl", a.JWKSURL)
	if len(a.Audiences) == 0 {
		ck.add(p+".authorizer.audiences", "at least one audience is required")
	}
	for i, aud := range a.Audiences {
		if strings.TrimSpace(aud) == "" || strings.Contains(aud, ",") || len(aud) > 256 {
			ck.add(fmt.Sprintf("%s.authorizer.audiences[%d]", p, i), "%q is not an audience (non-empty, no commas, at most 256 characters)", aud)
		}
	}
	if !reClaim.MatchString(a.TenantClaim) {
		ck.add(p+".authorizer.tenantClaim", "%q is not a claim name (letters, digits, _ : / . -; at most 128)", a.TenantClaim)
	}
	if ttl := *a.CacheTTLSeconds; ttl < 0 || ttl > 3600 {
		ck.add(p+".authorizer.cacheTtlSeconds", "%d is out of range (0 to 3600)", ttl)
	} else if ttl > 0 && a.APIKeys {
		ck.add(p+".authorizer.cacheTtlSeconds", "%d can't be used with apiKeys: true (allowed: 0); callers send either Authorization or x-api-key, and a cached authorizer answers 401 whenever one of its identity headers is missing", ttl)
	}
	switch {
	case !a.APIKeys && (a.APIKeyOverlapHours != 0 || a.APIKeyMaxAgeDays != 0):
		ck.add(p+".authorizer", "apiKeyOverlapHours and apiKeyMaxAgeDays need apiKeys: true")
	case a.APIKeys && (a.APIKeyOverlapHours < 1 || a.APIKeyOverlapHours > 720):
		ck.add(p+".authorizer.apiKeyOverlapHours", "%d is out of range (1 to 720 hours)", a.APIKeyOverlapHours)
	case a.APIKeys && (a.APIKeyMaxAgeDays < 1 || a.APIKeyMaxAgeDays > 730):
		ck.add(p+".authorizer.apiKeyMaxAgeDays", "%d is out of range (1 to 730 days)", a.APIKeyMaxAgeDays)
	}
	if t.WAF.RateLimit < 10 || t.WAF.RateLimit > 2_000_000_000 {
		ck.add(p+".waf.rateLimit", "%d is out of range (10 to 2000000000 requests per 5 minutes)", t.WAF.RateLimit)
	}
	for i, cidr := range t.WAF.AllowedCIDRs {
		if pfx, err := netip.ParsePrefix(cidr); err != nil || pfx.Masked() != pfx {
			ck.add(fmt.Sprintf("%s.waf.allowedCidrs[%d]", p, i), "%q is not a CIDR block without host bits (e.g. 203.0.113.0/24)", cidr)
		}
	}
	if t.API.RateLimit < 1 || t.API.RateLimit > 10000 {
		ck.add(p+".api.rateLimit", "%d is out of range (1 to 10000 requests per second)", t.API.RateLimit)
	}
	if t.API.BurstLimit < 1 || t.API.BurstLimit > 5000 {
		ck.add(p+".api.burstLimit", "%d is out of range (1 to 5000)", t.API.BurstLimit)
	}
	if pr := t.API.ListenerPriority; pr < 1 || pr > MaxListenerPriority {
		ck.add(p+".api.listenerPriority", "%d is out of range (1 to %d)", pr, MaxListenerPriority)
	}
	u := t.API.Usage
	t.validatePlan(ck, p+".api.usage", u.RateLimit, u.BurstLimit, u.Quota)
	switch n := len(a.Partners); {
	case a.APIKeys && n == 0:
		ck.add(p+".authorizer.partners", "apiKeys: true needs at least one partner (id, and optionally rateLimit, burstLimit, quota): every request must be metered by a usage plan, and API Gateway refuses a partner key without one")
	case !a.APIKeys && n > 0:
		ck.add(p+".authorizer.partners", "%d partner(s) given but apiKeys is false; set apiKeys: true or remove the partners", n)
	case n > MaxPartners:
		ck.add(p+".authorizer.partners", "%d partners; at most %d per tenant", n, MaxPartners)
	}
	partnerIDs := map[string]int{}
	for i, pt := range a.Partners {
		pp := fmt.Sprintf("%s.authorizer.partners[%d]", p, i)
		if !rePartnerID.MatchString(pt.ID) {
			ck.add(pp+".id", "%q is not a partner ID (1-32 lowercase letters, digits and '-', starting with a letter or digit; the key's id in the API key secret)", pt.ID)
		} else if j, dup := partnerIDs[pt.ID]; dup {
			ck.add(pp+".id", "%q is already the id of partners[%d]; partner ids must be unique", pt.ID, j)
		} else {
			partnerIDs[pt.ID] = i
		}
		t.validatePlan(ck, pp, pt.RateLimit, pt.BurstLimit, pt.Quota)
	}
	if d := t.CustomDomain; d != nil {
		if !reFQDN.MatchString(d.DomainName) || len(d.DomainName) > 253 {
			ck.add(p+".customDomain.domainName", "%q is not a lowercase DNS name (e.g. voice.example.com)", d.DomainName)
		}
		if !strings.HasPrefix(d.CertificateARN, "arn:aws:acm:") || !strings.Contains(d.CertificateARN, ":certificate/") {
			ck.add(p+".customDomain.certificateArn", "%q is not an ACM certificate ARN", d.CertificateARN)
		}
	}
	validateTags(ck, p+".tags", t.Tags)
}

// validatePlan checks a usage plan's throttle against the stage's (a plan can only narrow it) and
// its quota.
func (t *Tenant) validatePlan(ck *checker, p string, rate, burst int, q *Quota) {
	if rate < 1 || rate > t.API.RateLimit {
		ck.add(p+".rateLimit", "%d is out of range (1 to the stage's api.rateLimit, %d requests per second)", rate, t.API.RateLimit)
	}
	if burst < 1 || burst > t.API.BurstLimit {
		ck.add(p+".burstLimit", "%d is out of range (1 to the stage's api.burstLimit, %d)", burst, t.API.BurstLimit)
	}
	if q == nil {
		return
	}
	if q.Limit < 1 {
		ck.add(p+".quota.limit", "%d is out of range (at least 1 request per period)", q.Limit)
	}
	if !slices.Contains(QuotaPeriods, q.Period) {
		ck.add(p+".quota.period", "%q is not a quota period (one of: DAY, WEEK, MONTH)", q.Period)
	}
}

func dnsLabel(ck *checker, p, v string, maxLen int) {
	if v == "" {
		ck.add(p, "is required")
		return
	}
	if len(v) > maxLen || !reDNSLabel.MatchString(v) {
		ck.add(p, "%q is not a DNS-1123 label of at most %d characters (lowercase letters, digits and '-', starting with a letter)", v, maxLen)
	}
}

func httpsURL(ck *checker, p, v string) {
	u, err := url.Parse(v)
	if v == "" {
		ck.add(p, "is required (an https URL)")
	} else if err != nil || u.Scheme != "https" || u.Host == "" || u.User != nil || u.Fragment != "" || len(v) > 512 {
		ck.add(p, "%q is not an https URL without credentials or fragment", v)
	}
}

func validateTags(ck *checker, p string, tags Tags) {
	for _, k := range slices.Sorted(maps.Keys(tags)) {
		v := tags[k]
		switch {
		case slices.Contains(MandatoryTagKeys, k):
			ck.add(p+"."+k, "tag %q is set by VoiceVault and can't be overridden", k)
		case strings.HasPrefix(strings.ToLower(k), "aws:"):
			ck.add(p+"."+k, "tag keys starting with aws: are reserved by AWS")
		case !reTagKey.MatchString(k):
			ck.add(p+"."+k, "%q is not a valid tag key (1-128 letters, digits, spaces, _ . : / = + @ -)", k)
		case !reTagValue.MatchString(v):
			ck.add(p+"."+k, "%q is not a valid tag value (0-256 letters, digits, spaces, _ . : / = + @ -)", v)
		}
	}
}

func arnRegion(arn string) string {
	parts := strings.Split(arn, ":")
	if len(parts) < 4 {
		return ""
	}
	return parts[3]
}

func joinInts(v []int) string {
	s := make([]string, len(v))
	for i, n := range v {
		s[i] = strconv.Itoa(n)
	}
	return strings.Join(s, ", ")
}
