package audit

import (
	"fmt"
	"sort"
	"strings"

	"github.com/voicevault/voicevault/internal/review/assembly"
)

// API is one REST API (API Gateway v1) with its stages and methods.
type API struct {
	Stack       string   `json:"stack"`
	Resource    string   `json:"resource"`
	Name        string   `json:"name"`
	Endpoint    string   `json:"endpointType"` // EDGE (default), REGIONAL or PRIVATE
	DefaultURL  string   `json:"executeApiEndpoint"`
	Policy      bool     `json:"resourcePolicy"`
	Stages      []Stage  `json:"stages"`
	Methods     []Method `json:"methods"`
	Domains     []string `json:"customDomains"`
	Authorized  int      `json:"methodsWithAuthorizer"`
	KeySource   string   `json:"apiKeySource"` // HEADER (default) or AUTHORIZER
	Plans       []Plan   `json:"usagePlans"`
	Status      Status   `json:"status"`
	Notes       []string `json:"notes"`
	stageByName map[string]*Stage
}

// Stage is one deployed stage of a REST API.
type Stage struct {
	Name       string `json:"name"`
	WAF        string `json:"webAcl"` // the web ACL associated with it, "" if none
	AccessLogs string `json:"accessLogs"`
	Tracing    bool   `json:"xrayTracing"`
	Throttling string `json:"throttling"`
	Status     Status `json:"status"`
}

// Plan is a usage plan on one of a REST API's stages.
type Plan struct {
	Resource string `json:"resource"`
	Name     string `json:"name"`
	Throttle string `json:"throttle"` // "rate R, burst B", "" without
	Quota    string `json:"quota"`    // "N per PERIOD", "" without
	Keys     int    `json:"apiKeys"`  // API keys attached (UsagePlanKey)
}

// Method is one method of a REST API.
type Method struct {
	Path          string `json:"path"`
	HTTPMethod    string `json:"httpMethod"`
	Authorization string `json:"authorization"` // NONE, CUSTOM, COGNITO_USER_POOLS, AWS_IAM
	Authorizer    string `json:"authorizer"`
	APIKey        bool   `json:"apiKeyRequired"`
	Validator     bool   `json:"requestValidator"`
	Integration   string `json:"integration"`
	Status        Status `json:"status"`
}

// ExposureRow is one thing that can (or by design cannot) be reached from the internet.
type ExposureRow struct {
	Stack    string `json:"stack"`
	Resource string `json:"resource"`
	What     string `json:"what"`
	Exposure string `json:"exposure"` // internet, private, none
	Through  string `json:"through"`
	Status   Status `json:"status"`
	Note     string `json:"note"`
}

func (b *builder) network() {
	for _, s := range b.a.Stacks {
		b.apis(s)
		add := func(r *assembly.Resource, what, exposure, through string, st Status, note string) {
			b.r.Network = append(b.r.Network, ExposureRow{Stack: s.Name, Resource: r.Label(), What: what, Exposure: exposure, Through: through, Status: st, Note: note})
		}
		for _, r := range s.Resources() {
			p := r.Properties
			switch r.Type {
			case "AWS::ElasticLoadBalancingV2::LoadBalancer", "AWS::ElasticLoadBalancing::LoadBalancer":
				scheme := render(p["Scheme"])
				typ := render(p["Type"])
				if typ == "" {
					typ = "application"
				}
				if scheme == "" || scheme == "internet-facing" {
					add(r, typ+" load balancer", "internet", "internet-facing scheme", Fail, "only the API front door may face the internet")
				} else {
					add(r, typ+" load balancer", "private", "internal scheme", Pass, "")
				}
			case "AWS::EC2::SecurityGroup":
				var open []string
				for _, in := range assembly.List(p["SecurityGroupIngress"]) {
					if o := openIngress(in); o != "" {
						open = append(open, o)
					}
				}
				for _, other := range s.OfType("AWS::EC2::SecurityGroupIngress") {
					if assembly.RefTarget(other.Properties["GroupId"]) == r.ID {
						if o := openIngress(other.Properties); o != "" {
							open = append(open, o)
						}
					}
				}
				if len(open) > 0 {
					add(r, "security group", "internet", "ingress from "+strings.Join(open, "; "), Fail, render(p["GroupDescription"]))
				} else {
					add(r, "security group", "none", "no ingress from 0.0.0.0/0 or ::/0", Pass, render(p["GroupDescription"]))
				}
			case "AWS::EC2::SecurityGroupIngress":
				if assembly.RefTarget(p["GroupId"]) == "" { // rules on groups of other stacks
					if o := openIngress(p); o != "" {
						add(r, "security group rule", "internet", "ingress from "+o+" to "+render(p["GroupId"]), Fail, "")
					}
				}
			case "AWS::EKS::Cluster":
				vpc := assembly.Get(p, "ResourcesVpcConfig")
				pub, set := assembly.Bool(assembly.Get(vpc, "EndpointPublicAccess"))
				priv, _ := assembly.Bool(assembly.Get(vpc, "EndpointPrivateAccess"))
				if !set {
					pub = true // the EKS default
				}
				through := "endpoint public access " + yesNo(pub) + ", private access " + yesNo(priv)
				if pub {
					cidrs := render(assembly.Get(vpc, "PublicAccessCidrs"))
					if cidrs == "" {
						cidrs = "0.0.0.0/0"
					}
					add(r, "EKS API endpoint", "internet", through+" (from "+cidrs+")", Fail, "the cluster endpoint must be private")
				} else {
					add(r, "EKS API endpoint", "private", through, Pass, "")
				}
			case "AWS::EC2::Subnet":
				if on, _ := assembly.Bool(p["MapPublicIpOnLaunch"]); on {
					add(r, "subnet", "internet", "MapPublicIpOnLaunch true", Fail, render(p["CidrBlock"]))
				}
			case "AWS::EC2::InternetGateway":
				add(r, "internet gateway", "internet", "attached to "+b.attachedVPC(s, r.ID), Warn, "public subnets can route to the internet through it")
			case "AWS::EC2::NatGateway":
				add(r, "NAT gateway", "egress only", "outbound internet from private subnets", Warn, "")
			case "AWS::EC2::EIP":
				add(r, "Elastic IP", "internet", "public IPv4 address", Warn, "")
			case "AWS::EC2::LaunchTemplate":
				for _, ni := range assembly.List(assembly.Get(p, "LaunchTemplateData", "NetworkInterfaces")) {
					if on, _ := assembly.Bool(assembly.Get(ni, "AssociatePublicIpAddress")); on {
						add(r, "launch template", "internet", "AssociatePublicIpAddress true", Fail, "")
					}
				}
			case "AWS::EC2::Instance":
				for _, ni := range assembly.List(p["NetworkInterfaces"]) {
					if on, _ := assembly.Bool(assembly.Get(ni, "AssociatePublicIpAddress")); on {
						add(r, "EC2 instance", "internet", "AssociatePublicIpAddress true", Fail, "")
					}
				}
			case "AWS::Lambda::Url":
				auth := render(p["AuthType"])
				st := Pass
				if auth == "NONE" {
					st = Fail
				}
				add(r, "Lambda function URL", "internet", "AuthType "+auth, st, "")
			case "AWS::ApiGatewayV2::Api":
				add(r, render(p["ProtocolType"])+" API (API Gateway v2)", "internet", "execute-api endpoint", Warn, "check routes' authorizers")
			}
		}
	}
	for i := range b.r.APIs {
		api := &b.r.APIs[i]
		b.r.Network = append(b.r.Network, ExposureRow{Stack: api.Stack, Resource: api.Resource, What: "REST API (" + api.Endpoint + ")", Exposure: exposureOf(api.Endpoint), Through: apiThrough(api), Status: api.Status, Note: strings.Join(api.Notes, "; ")})
	}
	sort.SliceStable(b.r.Network, func(i, j int) bool {
		x, y := b.r.Network[i], b.r.Network[j]
		if x.Stack != y.Stack {
			return x.Stack < y.Stack
		}
		return x.Resource < y.Resource
	})
}

func exposureOf(endpoint string) string {
	if endpoint == "PRIVATE" {
		return "private"
	}
	return "internet"
}

func apiThrough(api *API) string {
	var waf []string
	for _, st := range api.Stages {
		w := st.WAF
		if w == "" {
			w = "no WAF"
		}
		waf = append(waf, st.Name+": "+w)
	}
	if len(waf) == 0 {
		waf = []string{"none"}
	}
	return fmt.Sprintf("stages %s; %d of %d methods with an authorizer", strings.Join(waf, ", "), api.Authorized, len(api.Methods))
}

// openIngress describes an ingress rule open to the whole internet, or returns "".
func openIngress(in any) string {
	cidr := render(assembly.Get(in, "CidrIp"))
	if cidr != "0.0.0.0/0" {
		cidr = render(assembly.Get(in, "CidrIpv6"))
		if cidr != "::/0" {
			return ""
		}
	}
	proto := render(assembly.Get(in, "IpProtocol"))
	from, to := render(assembly.Get(in, "FromPort")), render(assembly.Get(in, "ToPort"))
	ports := from
	if to != from {
		ports = from + "-" + to
	}
	if proto == "-1" {
		return cidr + " all traffic"
	}
	return cidr + " " + proto + "/" + ports
}

func (b *builder) attachedVPC(s *assembly.Stack, igw string) string {
	for _, a := range s.OfType("AWS::EC2::VPCGatewayAttachment") {
		if assembly.RefTarget(a.Properties["InternetGatewayId"]) == igw {
			if v, ok := s.Resource(assembly.RefTarget(a.Properties["VpcId"])); ok {
				return v.Label()
			}
			return render(a.Properties["VpcId"])
		}
	}
	return "no VPC"
}

func (b *builder) apis(s *assembly.Stack) {
	for _, r := range s.OfType("AWS::ApiGateway::RestApi") {
		p := r.Properties
		api := API{Stack: s.Name, Resource: r.Label(), Name: render(p["Name"]), Endpoint: render(assembly.Get(p, "EndpointConfiguration", "Types")), stageByName: map[string]*Stage{}}
		if api.Endpoint == "" {
			api.Endpoint = "EDGE"
		}
		api.DefaultURL = "enabled"
		if off, _ := assembly.Bool(p["DisableExecuteApiEndpoint"]); off {
			api.DefaultURL = "disabled"
		}
		_, api.Policy = p["Policy"]
		api.KeySource = render(p["ApiKeySourceType"])
		if api.KeySource == "" {
			api.KeySource = "HEADER"
		}
		api.Plans = usagePlans(s, r.ID)
		paths := b.apiPaths(s, r.ID)
		// stages: AWS::ApiGateway::Stage, or a Deployment with StageName
		for _, st := range s.OfType("AWS::ApiGateway::Stage") {
			if assembly.RefTarget(st.Properties["RestApiId"]) != r.ID {
				continue
			}
			stage := Stage{Name: render(st.Properties["StageName"])}
			if dest := render(assembly.Get(st.Properties, "AccessLogSetting", "DestinationArn")); dest != "" {
				stage.AccessLogs = dest
			}
			stage.Tracing, _ = assembly.Bool(st.Properties["TracingEnabled"])
			var thr []string
			for _, ms := range assembly.List(st.Properties["MethodSettings"]) {
				rate, burst := render(assembly.Get(ms, "ThrottlingRateLimit")), render(assembly.Get(ms, "ThrottlingBurstLimit"))
				if rate != "" || burst != "" {
					thr = append(thr, render(assembly.Get(ms, "HttpMethod"))+" "+render(assembly.Get(ms, "ResourcePath"))+": rate "+rate+", burst "+burst)
				}
			}
			stage.Throttling = strings.Join(thr, "; ")
			stage.WAF = b.wafFor(s, r.ID, st.ID, stage.Name)
			api.Stages = append(api.Stages, stage)
		}
		for _, d := range s.OfType("AWS::ApiGateway::Deployment") {
			if assembly.RefTarget(d.Properties["RestApiId"]) == r.ID && d.Properties["StageName"] != nil {
				name := render(d.Properties["StageName"])
				api.Stages = append(api.Stages, Stage{Name: name, WAF: b.wafFor(s, r.ID, "", name)})
			}
		}
		for _, m := range s.OfType("AWS::ApiGateway::Method") {
			if assembly.RefTarget(m.Properties["RestApiId"]) != r.ID {
				continue
			}
			mp := m.Properties
			meth := Method{Path: paths[resourceKey(mp["ResourceId"])], HTTPMethod: render(mp["HttpMethod"]), Authorization: render(mp["AuthorizationType"])}
			if meth.Authorization == "" {
				meth.Authorization = "NONE"
			}
			if a, ok := s.Resource(assembly.RefTarget(mp["AuthorizerId"])); ok {
				meth.Authorizer = a.Label() + " (" + render(a.Properties["Type"]) + ")"
			}
			meth.APIKey, _ = assembly.Bool(mp["ApiKeyRequired"])
			_, meth.Validator = mp["RequestValidatorId"]
			meth.Integration = render(assembly.Get(mp, "Integration", "Type"))
			if c := render(assembly.Get(mp, "Integration", "ConnectionType")); c != "" {
				meth.Integration += " via " + c
			}
			switch {
			case meth.Authorization != "NONE":
				meth.Status = Pass
				api.Authorized++
			case meth.HTTPMethod == "OPTIONS" && meth.Integration == "MOCK":
				meth.Status = Warn // CORS preflight: answered by API Gateway, reaches nothing
			default:
				meth.Status = Fail
			}
			api.Methods = append(api.Methods, meth)
		}
		sort.Slice(api.Methods, func(i, j int) bool {
			if api.Methods[i].Path != api.Methods[j].Path {
				return api.Methods[i].Path < api.Methods[j].Path
			}
			return api.Methods[i].HTTPMethod < api.Methods[j].HTTPMethod
		})
		sort.Slice(api.Stages, func(i, j int) bool { return api.Stages[i].Name < api.Stages[j].Name })
		for _, bp := range s.OfType("AWS::ApiGateway::BasePathMapping") {
			if assembly.RefTarget(bp.Properties["RestApiId"]) == r.ID {
				if dn, ok := s.Resource(assembly.RefTarget(bp.Properties["DomainName"])); ok {
					api.Domains = append(api.Domains, render(dn.Properties["DomainName"])+" ("+render(dn.Properties["SecurityPolicy"])+")")
				} else {
					api.Domains = append(api.Domains, render(bp.Properties["DomainName"]))
				}
			}
		}
		api.Status = Pass
		if api.Endpoint == "EDGE" {
			api.Status = Warn
			api.Notes = append(api.Notes, "edge-optimized endpoint (CloudFront in front, no WAF association on the stage's CloudFront)")
		}
		if len(api.Stages) == 0 {
			api.Status = worst(api.Status, Warn)
			api.Notes = append(api.Notes, "no stage in this template")
		}
		for i := range api.Stages {
			st := &api.Stages[i]
			st.Status = Pass
			if st.WAF == "" {
				st.Status = Fail
			} else if st.AccessLogs == "" || !st.Tracing {
				st.Status = Warn
			}
			api.Status = worst(api.Status, st.Status)
		}
		for _, m := range api.Methods {
			api.Status = worst(api.Status, m.Status)
		}
		if api.Authorized < len(api.Methods) {
			api.Notes = append(api.Notes, plural(len(api.Methods)-api.Authorized, "method has", "methods have")+" no authorizer")
		}
		b.r.APIs = append(b.r.APIs, api)
	}
}

// usagePlans are the usage plans with a stage of the REST API api, with their attached keys.
func usagePlans(s *assembly.Stack, api string) []Plan {
	var out []Plan
	for _, up := range s.OfType("AWS::ApiGateway::UsagePlan") {
		onAPI := false
		for _, st := range assembly.List(up.Properties["ApiStages"]) {
			if assembly.RefTarget(assembly.Get(st, "ApiId")) == api {
				onAPI = true
			}
		}
		if !onAPI {
			continue
		}
		pl := Plan{Resource: up.Label(), Name: render(up.Properties["UsagePlanName"])}
		if rate, burst := render(assembly.Get(up.Properties, "Throttle", "RateLimit")), render(assembly.Get(up.Properties, "Throttle", "BurstLimit")); rate != "" && burst != "" {
			pl.Throttle = "rate " + rate + ", burst " + burst
		}
		if limit := render(assembly.Get(up.Properties, "Quota", "Limit")); limit != "" {
			pl.Quota = limit + " per " + render(assembly.Get(up.Properties, "Quota", "Period"))
		}
		for _, k := range s.OfType("AWS::ApiGateway::UsagePlanKey") {
			if assembly.RefTarget(k.Properties["UsagePlanId"]) == up.ID {
				pl.Keys++
			}
		}
		out = append(out, pl)
	}
	return out
}

// resourceKey identifies an API resource value: the logical ID, or "root:API" for
// Fn::GetAtt [API, RootResourceId].
func resourceKey(v any) string {
	if l, ok := assembly.Get(v, "Fn::GetAtt").([]any); ok && len(l) == 2 && render(l[1]) == "RootResourceId" {
		return "root:" + render(l[0])
	}
	return assembly.RefTarget(v)
}

// apiPaths maps each API resource (by resourceKey) to its full path.
func (b *builder) apiPaths(s *assembly.Stack, api string) map[string]string {
	parent := map[string]string{}
	part := map[string]string{}
	for _, r := range s.OfType("AWS::ApiGateway::Resource") {
		if assembly.RefTarget(r.Properties["RestApiId"]) != api {
			continue
		}
		parent[r.ID] = resourceKey(r.Properties["ParentId"])
		part[r.ID] = render(r.Properties["PathPart"])
	}
	out := map[string]string{"root:" + api: "/"}
	var path func(id string, depth int) string
	path = func(id string, depth int) string {
		if p, ok := out[id]; ok {
			return p
		}
		if depth > 50 {
			return "?"
		}
		pp, ok := parent[id]
		if !ok {
			return "?/" + id
		}
		base := path(pp, depth+1)
		p := strings.TrimSuffix(base, "/") + "/" + part[id]
		out[id] = p
		return p
	}
	for id := range parent {
		path(id, 0)
	}
	return out
}

// wafFor finds the web ACL associated with a stage: an AWS::WAFv2::WebACLAssociation of the
// API's stack whose ResourceArn names the API and the stage (another stack could only name the
// API through an export, which VoiceVault does not use).
func (b *builder) wafFor(s *assembly.Stack, api, stageID, stageName string) string {
	for _, w := range s.OfType("AWS::WAFv2::WebACLAssociation") {
		arn := render(w.Properties["ResourceArn"])
		if !strings.Contains(arn, "${"+api+"}") {
			continue
		}
		if (stageID != "" && strings.Contains(arn, "${"+stageID+"}")) || strings.HasSuffix(arn, "/stages/"+stageName) {
			return b.label(s, w.Properties["WebACLArn"])
		}
	}
	return ""
}
