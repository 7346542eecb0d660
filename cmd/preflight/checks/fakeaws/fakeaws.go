// Package fakeaws is a local HTTP server that answers the read-only AWS API calls of
// cmd/preflight/checks the way AWS does, for tests: real SDK clients point their BaseEndpoint at it
// and sign with static credentials. It routes on what the SDK sends: the service signing name in
// the SigV4 credential scope, then the operation — the Action form field of the query protocol
// (EC2, IAM, STS, CloudFormation: XML answers), the X-Amz-Target header of JSON 1.1 (AWS Config,
// Service Quotas, ACM) or the method and path of REST-JSON (GuardDuty, Security Hub, Macie,
// IAM Access Analyzer, EKS).
package fakeaws

import (
	"encoding/json"
	"encoding/xml"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"sort"
	"strings"
	"sync"
)

// Certificate is an ACM certificate as DescribeCertificate returns it.
type Certificate struct {
	Status string // ISSUED, PENDING_VALIDATION, EXPIRED, ...
	Domain string
	SANs   []string
}

// AddonVersion is one version of an EKS add-on for one Kubernetes version.
type AddonVersion struct {
	Version string // e.g. v4.4.0-eksbuild.1
	Default bool   // the version EKS installs for that Kubernetes version when none is pinned
}

// AddonInfo is an EKS add-on as DescribeAddonVersions and DescribeAddonConfiguration describe it.
type AddonInfo struct {
	Versions map[string][]AddonVersion // Kubernetes version → the add-on's versions for it, newest first.
	Schemas  map[string]string         // add-on version → its configurationSchema; a missing version: ResourceNotFoundException.
}

// Account is the state of one AWS account and region the server answers for.
type Account struct {
	ID          string
	CallerARN   string                 // Default: arn:aws:iam::<ID>:user/engineer.
	Detectors   []string               // GuardDuty detector IDs.
	SecurityHub bool                   // Security Hub enabled.
	Recorders   []string               // AWS Config recorder names.
	Channels    []string               // AWS Config delivery channel names.
	Macie       bool                   // a Macie session exists.
	Analyzers   []string               // IAM Access Analyzer ACCOUNT analyzers.
	Quotas      map[string]float64     // Service Quotas value per quota code; a missing code: NoSuchResourceException.
	Offerings   map[string][]string    // availability zone → instance types offered there.
	Roles       map[string]bool        // IAM role names that exist.
	Certs       map[string]Certificate // ACM certificates by ARN.
	K8sVersions map[string]string      // EKS version → versionStatus (STANDARD_SUPPORT, EXTENDED_SUPPORT, UNSUPPORTED).
	StackTypes  map[string][]string    // CloudFormation stack name → its resource types.
	Addons      map[string]AddonInfo   // EKS add-ons by name; a missing add-on: ResourceNotFoundException.
	Denied      map[string]bool        // "service:Operation" answered with AccessDenied.
}

// Server is the fake; URL is its BaseEndpoint.
type Server struct {
	*httptest.Server
	mu      sync.Mutex
	account *Account
	calls   map[string]int
	Assumed []string // role ARNs sts AssumeRole was asked for
}

// New starts a server answering for a. Close it when done.
func New(a *Account) *Server {
	s := &Server{account: a, calls: map[string]int{}}
	s.Server = httptest.NewServer(http.HandlerFunc(s.serve))
	return s
}

// Calls are the "service:Operation" pairs the server answered, sorted.
func (s *Server) Calls() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []string
	for c := range s.calls {
		out = append(out, c)
	}
	sort.Strings(out)
	return out
}

var scope = regexp.MustCompile(`Credential=[^/]+/[0-9]+/[^/]+/([^/]+)/aws4_request`)

func (s *Server) serve(w http.ResponseWriter, r *http.Request) {
	m := scope.FindStringSubmatch(r.Header.Get("Authorization"))
	if m == nil {
		http.Error(w, "unsigned request", http.StatusForbidden)
		return
	}
	service := m[1]
	op := ""
	switch {
	case r.Header.Get("X-Amz-Target") != "":
		t := r.Header.Get("X-Amz-Target")
		op = t[strings.LastIndexByte(t, '.')+1:]
	case r.Header.Get("Content-Type") == "application/x-www-form-urlencoded":
		if err := r.ParseForm(); err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		op = r.PostForm.Get("Action")
	default:
		op = restOps[r.Method+" "+r.URL.Path]
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.calls[service+":"+op]++
	a := s.account
	if a.Denied[service+":"+op] {
		s.deny(w, service, op)
		return
	}
	switch service + ":" + op {
	case "sts:GetCallerIdentity":
		arn := a.CallerARN
		if arn == "" {
			arn = "arn:aws:iam::" + a.ID + ":user/engineer"
		}
		writeXML(w, 200, "GetCallerIdentityResponse", fmt.Sprintf("<GetCallerIdentityResult><Arn>%s</Arn><UserId>AIDAFAKE</UserId><Account>%s</Account></GetCallerIdentityResult>", arn, a.ID))
	case "sts:AssumeRole":
		s.Assumed = append(s.Assumed, r.PostForm.Get("RoleArn"))
		writeXML(w, 200, "AssumeRoleResponse", fmt.Sprintf("<AssumeRoleResult><Credentials><AccessKeyId>ASIAFAKE</AccessKeyId><SecretAccessKey>secret</SecretAccessKey><SessionToken>token</SessionToken><Expiration>2099-01-01T00:00:00Z</Expiration></Credentials><AssumedRoleUser><Arn>%s</Arn><AssumedRoleId>AROAFAKE:voicevault-preflight</AssumedRoleId></AssumedRoleUser></AssumeRoleResult>", r.PostForm.Get("RoleArn")))
	case "cloudformation:ListStackResources":
		types, ok := a.StackTypes[r.PostForm.Get("StackName")]
		if !ok {
			queryError(w, 400, "ValidationError", "Stack with id "+r.PostForm.Get("StackName")+" does not exist")
			return
		}
		var b strings.Builder
		for i, t := range types {
			fmt.Fprintf(&b, "<member><LogicalResourceId>R%d</LogicalResourceId><PhysicalResourceId>p%d</PhysicalResourceId><ResourceType>%s</ResourceType><ResourceStatus>CREATE_COMPLETE</ResourceStatus></member>", i, i, t)
		}
		writeXML(w, 200, "ListStackResourcesResponse", "<ListStackResourcesResult><StackResourceSummaries>"+b.String()+"</StackResourceSummaries></ListStackResourcesResult>")
	case "iam:GetRole":
		name := r.PostForm.Get("RoleName")
		if !a.Roles[name] {
			queryError(w, 404, "NoSuchEntity", "The role with name "+name+" cannot be found.")
			return
		}
		writeXML(w, 200, "GetRoleResponse", fmt.Sprintf("<GetRoleResult><Role><Path>/aws-service-role/</Path><RoleName>%s</RoleName><RoleId>AROAFAKE</RoleId><Arn>arn:aws:iam::%s:role/aws-service-role/%s</Arn><CreateDate>2020-01-01T00:00:00Z</CreateDate></Role></GetRoleResult>", name, a.ID, name))
	case "ec2:DescribeInstanceTypeOfferings":
		filters := ec2Filters(r.PostForm)
		var b strings.Builder
		zones := make([]string, 0, len(a.Offerings))
		for z := range a.Offerings {
			zones = append(zones, z)
		}
		sort.Strings(zones)
		for _, z := range zones {
			if !allowed(filters["location"], z) {
				continue
			}
			for _, t := range a.Offerings[z] {
				if allowed(filters["instance-type"], t) {
					fmt.Fprintf(&b, "<item><instanceType>%s</instanceType><locationType>availability-zone</locationType><location>%s</location></item>", t, z)
				}
			}
		}
		writeXML(w, 200, "DescribeInstanceTypeOfferingsResponse", "<requestId>fake</requestId><instanceTypeOfferingSet>"+b.String()+"</instanceTypeOfferingSet>")
	case "servicequotas:GetServiceQuota":
		var in struct{ ServiceCode, QuotaCode string }
		_ = json.NewDecoder(r.Body).Decode(&in)
		v, ok := a.Quotas[in.QuotaCode]
		if !ok {
			jsonError(w, 400, "NoSuchResourceException", "The request failed because the specified service quota doesn't exist.")
			return
		}
		writeJSON(w, 200, map[string]any{"Quota": map[string]any{"ServiceCode": in.ServiceCode, "QuotaCode": in.QuotaCode, "Value": v}})
	case "config:DescribeConfigurationRecorders":
		var out []map[string]any
		for _, n := range a.Recorders {
			out = append(out, map[string]any{"name": n, "roleARN": "arn:aws:iam::" + a.ID + ":role/org-config"})
		}
		writeJSON(w, 200, map[string]any{"ConfigurationRecorders": out})
	case "config:DescribeDeliveryChannels":
		var out []map[string]any
		for _, n := range a.Channels {
			out = append(out, map[string]any{"name": n, "s3BucketName": "org-config-bucket"})
		}
		writeJSON(w, 200, map[string]any{"DeliveryChannels": out})
	case "acm:DescribeCertificate":
		var in struct{ CertificateArn string }
		_ = json.NewDecoder(r.Body).Decode(&in)
		c, ok := a.Certs[in.CertificateArn]
		if !ok {
			jsonError(w, 400, "ResourceNotFoundException", "Could not find certificate "+in.CertificateArn+".")
			return
		}
		writeJSON(w, 200, map[string]any{"Certificate": map[string]any{"CertificateArn": in.CertificateArn, "DomainName": c.Domain, "SubjectAlternativeNames": append([]string{c.Domain}, c.SANs...), "Status": c.Status}})
	case "guardduty:ListDetectors":
		writeJSON(w, 200, map[string]any{"detectorIds": nonNil(a.Detectors)})
	case "securityhub:DescribeHub":
		if !a.SecurityHub {
			restError(w, 401, "InvalidAccessException", "Account "+a.ID+" is not subscribed to AWS Security Hub")
			return
		}
		writeJSON(w, 200, map[string]any{"HubArn": "arn:aws:securityhub:eu-west-1:" + a.ID + ":hub/default", "SubscribedAt": "2024-01-01T00:00:00.000Z", "AutoEnableControls": true})
	case "macie2:GetMacieSession":
		if !a.Macie {
			restError(w, 403, "AccessDeniedException", "Macie is not enabled.")
			return
		}
		writeJSON(w, 200, map[string]any{"status": "ENABLED", "findingPublishingFrequency": "SIX_HOURS"})
	case "access-analyzer:ListAnalyzers":
		var out []map[string]any
		if r.URL.Query().Get("type") == "ACCOUNT" {
			for _, n := range a.Analyzers {
				out = append(out, map[string]any{"name": n, "arn": "arn:aws:access-analyzer:eu-west-1:" + a.ID + ":analyzer/" + n, "type": "ACCOUNT", "status": "ACTIVE", "createdAt": "2024-01-01T00:00:00Z"})
			}
		}
		writeJSON(w, 200, map[string]any{"analyzers": nonNil(out)})
	case "eks:DescribeClusterVersions":
		var out []map[string]any
		versions := make([]string, 0, len(a.K8sVersions))
		for v := range a.K8sVersions {
			versions = append(versions, v)
		}
		sort.Strings(versions)
		for _, v := range versions {
			out = append(out, map[string]any{"clusterVersion": v, "versionStatus": a.K8sVersions[v], "clusterType": "eks"})
		}
		writeJSON(w, 200, map[string]any{"clusterVersions": nonNil(out)})
	case "eks:DescribeAddonVersions":
		q := r.URL.Query()
		name := q.Get("addonName")
		addon, ok := a.Addons[name]
		if !ok {
			restError(w, 404, "ResourceNotFoundException", "Addon "+name+" not found")
			return
		}
		writeJSON(w, 200, map[string]any{"addons": nonNil(addonVersions(name, addon, q.Get("kubernetesVersion")))})
	case "eks:DescribeAddonConfiguration":
		q := r.URL.Query()
		schema, ok := a.Addons[q.Get("addonName")].Schemas[q.Get("addonVersion")]
		if !ok {
			restError(w, 404, "ResourceNotFoundException", "Addon "+q.Get("addonName")+" version "+q.Get("addonVersion")+" not found")
			return
		}
		writeJSON(w, 200, map[string]any{"addonName": q.Get("addonName"), "addonVersion": q.Get("addonVersion"), "configurationSchema": schema})
	default:
		http.Error(w, "fakeaws: no answer for "+service+":"+op, http.StatusNotImplemented)
	}
}

// restOps names the REST-JSON operations by method and path.
var restOps = map[string]string{
	"GET /detector":         "ListDetectors",
	"GET /accounts":         "DescribeHub",
	"GET /macie":            "GetMacieSession",
	"GET /analyzer":         "ListAnalyzers",
	"GET /cluster-versions": "DescribeClusterVersions",

	"GET /addons/supported-versions":    "DescribeAddonVersions",
	"GET /addons/configuration-schemas": "DescribeAddonConfiguration",
}

// addonVersions is the addons list of DescribeAddonVersions: the add-on with each of its versions
// compatible with k8s (every version when k8s is empty), each listing the Kubernetes versions it
// supports and whether it is the default there.
func addonVersions(name string, addon AddonInfo, k8s string) []map[string]any {
	k8sVersions := make([]string, 0, len(addon.Versions))
	for v := range addon.Versions {
		k8sVersions = append(k8sVersions, v)
	}
	sort.Strings(k8sVersions)
	var order []string
	compat := map[string][]map[string]any{}
	for _, kv := range k8sVersions {
		for _, v := range addon.Versions[kv] {
			if _, seen := compat[v.Version]; !seen {
				order = append(order, v.Version)
			}
			compat[v.Version] = append(compat[v.Version], map[string]any{"clusterVersion": kv, "platformVersions": []string{"*"}, "defaultVersion": v.Default})
		}
	}
	var versions []map[string]any
	for _, v := range order {
		ok := k8s == ""
		for _, c := range compat[v] {
			ok = ok || c["clusterVersion"] == k8s
		}
		if ok {
			versions = append(versions, map[string]any{"addonVersion": v, "architecture": []string{"amd64", "arm64"}, "compatibilities": compat[v], "requiresConfiguration": false})
		}
	}
	if len(versions) == 0 {
		return nil
	}
	return []map[string]any{{"addonName": name, "type": "observability", "owner": "aws", "publisher": "eks", "addonVersions": versions}}
}

func (s *Server) deny(w http.ResponseWriter, service, op string) {
	msg := "User is not authorized to perform: " + service + ":" + op
	switch service {
	case "sts", "iam", "cloudformation":
		queryError(w, 403, "AccessDenied", msg)
	case "ec2":
		w.WriteHeader(403)
		fmt.Fprintf(w, "<Response><Errors><Error><Code>UnauthorizedOperation</Code><Message>%s</Message></Error></Errors><RequestID>fake</RequestID></Response>", msg)
	case "config", "servicequotas", "acm":
		jsonError(w, 400, "AccessDeniedException", msg)
	default:
		restError(w, 403, "AccessDeniedException", msg)
	}
}

func nonNil[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}

// ec2Filters reads Filter.N.Name / Filter.N.Value.M form fields.
func ec2Filters(form url.Values) map[string][]string {
	out := map[string][]string{}
	for n := 1; ; n++ {
		name := form.Get(fmt.Sprintf("Filter.%d.Name", n))
		if name == "" {
			return out
		}
		for m := 1; ; m++ {
			v := form.Get(fmt.Sprintf("Filter.%d.Value.%d", n, m))
			if v == "" {
				break
			}
			out[name] = append(out[name], v)
		}
	}
}

func allowed(values []string, v string) bool {
	if values == nil {
		return true
	}
	for _, x := range values {
		if x == v {
			return true
		}
	}
	return false
}

func writeXML(w http.ResponseWriter, status int, root, inner string) {
	w.Header().Set("Content-Type", "text/xml")
	w.WriteHeader(status)
	fmt.Fprintf(w, `<%s xmlns="https://fake.amazonaws.com/doc/">%s<ResponseMetadata><RequestId>fake</RequestId></ResponseMetadata></%s>`, root, inner, root)
}

func queryError(w http.ResponseWriter, status int, code, msg string) {
	w.Header().Set("Content-Type", "text/xml")
	w.WriteHeader(status)
	var esc strings.Builder
	_ = xml.EscapeText(&esc, []byte(msg))
	fmt.Fprintf(w, "<ErrorResponse><Error><Type>Sender</Type><Code>%s</Code><Message>%s</Message></Error><RequestId>fake</RequestId></ErrorResponse>", code, esc.String())
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

func jsonError(w http.ResponseWriter, status int, code, msg string) {
	w.Header().Set("Content-Type", "application/x-amz-json-1.1")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(map[string]string{"__type": "com.amazonaws.fake#" + code, "message": msg})
}

func restError(w http.ResponseWriter, status int, code, msg string) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("X-Amzn-ErrorType", code)
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(map[string]string{"message": msg})
}
