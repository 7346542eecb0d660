package access

import (
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/voicevault/voicevault/internal/review/assembly"
)

// Policy is one policy document with the name it is reported under.
type Policy struct {
	Name     string         `json:"name"`
	Document map[string]any `json:"policy"`
}

// Role is a principal with the policies IAM evaluates for it.
type Role struct {
	ARN        string
	Label      string   // stack/logical ID, or the role's name for roles outside the templates
	Identity   []Policy // inline, customer managed and AWS managed policies
	Boundaries []Policy // its permissions boundary (none for service-linked roles)
}

// Model is one environment's policies, resolved for its account and region: every role of its
// templates (and the roles outside them that the flows use: the CloudFormation execution role
// and the service-linked roles) with its policies, and every resource policy by resource ARN.
type Model struct {
	Account, Region string
	Roles           map[string]*Role  // by role ARN
	Resources       map[string]Policy // resource policies (bucket, key, topic, secret) by resource ARN
	LogPolicies     []Policy          // CloudWatch Logs resource policies (account-wide)
	stacks          map[string]*assembly.Stack
	managedByName   map[string]Policy // customer managed policies by name
}

// ServiceLinkedRole is a role AWS creates on first use of a service, with the AWS managed policy
// it carries (service-linked roles have no permissions boundary).
type ServiceLinkedRole struct {
	Service string // e.g. guardduty.amazonaws.com
	Name    string // e.g. AWSServiceRoleForAmazonGuardDuty
	Policy  string // AWS managed policy name
}

// ServiceLinkedRoles are the service-linked roles the environment's services act through.
var ServiceLinkedRoles = []ServiceLinkedRole{
	{"autoscaling.amazonaws.com", "AWSServiceRoleForAutoScaling", "AutoScalingServiceRolePolicy"},
	{"eks-nodegroup.amazonaws.com", "AWSServiceRoleForAmazonEKSNodegroup", "AWSServiceRoleForAmazonEKSNodegroup"},
	{"guardduty.amazonaws.com", "AWSServiceRoleForAmazonGuardDuty", "AmazonGuardDutyServiceRolePolicy"},
	{"malware-protection.guardduty.amazonaws.com", "AWSServiceRoleForAmazonGuardDutyMalwareProtection", "AmazonGuardDutyMalwareProtectionServiceRolePolicy"},
	{"macie.amazonaws.com", "AWSServiceRoleForAmazonMacie", "AmazonMacieServiceRolePolicy"},
}

// ServiceLinkedRoleARN is the ARN of a service-linked role in account.
func ServiceLinkedRoleARN(account string, r ServiceLinkedRole) string {
	return "arn:aws:iam::" + account + ":role/aws-service-role/" + r.Service + "/" + r.Name
}

// NewModel resolves the stacks of one environment (same account and region). extra adds roles
// that live outside the templates but whose policies do (the CloudFormation execution role: its
// policies are customer managed policies of the delivery stack, named in extra by policy name).
func NewModel(account, region string, stacks []*assembly.Stack, extra []ExternalRole) (*Model, error) {
	m := &Model{Account: account, Region: region, Roles: map[string]*Role{}, Resources: map[string]Policy{},
		stacks: map[string]*assembly.Stack{}, managedByName: map[string]Policy{}}
	for _, s := range stacks {
		m.stacks[s.Name] = s
	}
	// Customer managed policies first: roles name them (boundaries) by name.
	for _, s := range stacks {
		r := resolver{account, region, s}
		for _, res := range s.OfType("AWS::IAM::ManagedPolicy") {
			doc, err := r.document(res.Properties["PolicyDocument"])
			if err != nil {
				return nil, fmt.Errorf("%s %s: %w", s.Name, res.ID, err)
			}
			name, err := r.physicalName(res)
			if err != nil {
				return nil, err
			}
			m.managedByName[name] = Policy{Name: s.Name + "/" + res.ID, Document: doc}
		}
	}
	for _, s := range stacks {
		if err := m.addStack(s); err != nil {
			return nil, err
		}
	}
	for _, slr := range ServiceLinkedRoles {
		mp, err := Managed("arn:aws:iam::aws:policy/aws-service-role/" + slr.Policy)
		if err != nil {
			return nil, err
		}
		arn := ServiceLinkedRoleARN(account, slr)
		m.Roles[arn] = &Role{ARN: arn, Label: slr.Name, Identity: []Policy{mp}}
	}
	for _, e := range extra {
		role := &Role{ARN: e.ARN, Label: e.Label}
		for _, n := range e.Policies {
			p, ok := m.managedByName[n]
			if !ok {
				return nil, fmt.Errorf("role %s: no template defines its policy %s", e.Label, n)
			}
			role.Identity = append(role.Identity, p)
		}
		if e.Boundary != "" {
			p, ok := m.managedByName[e.Boundary]
			if !ok {
				return nil, fmt.Errorf("role %s: no template defines its boundary %s", e.Label, e.Boundary)
			}
			role.Boundaries = []Policy{p}
		}
		m.Roles[e.ARN] = role
	}
	return m, nil
}

// ExternalRole is a role the templates don't create but whose policies they hold.
type ExternalRole struct {
	ARN      string   `json:"arn"`
	Label    string   `json:"label"`
	Policies []string `json:"policies"`           // customer managed policy names
	Boundary string   `json:"boundary,omitempty"` // boundary policy name ("" for none)
}

func (m *Model) addStack(s *assembly.Stack) error {
	r := resolver{m.Account, m.Region, s}
	roles := map[string]*Role{} // by logical ID
	for _, res := range s.OfType("AWS::IAM::Role") {
		arn, err := r.getAtt(res.ID, "Arn")
		if err != nil {
			return err
		}
		role := &Role{ARN: arn.(string), Label: s.Name + "/" + res.ID}
		for i, p := range assembly.List(res.Properties["Policies"]) {
			doc, err := r.document(assembly.Get(p, "PolicyDocument"))
			if err != nil {
				return fmt.Errorf("%s %s: %w", s.Name, res.ID, err)
			}
			name, _ := assembly.Get(p, "PolicyName").(string)
			if name == "" {
				name = fmt.Sprint(i)
			}
			role.Identity = append(role.Identity, Policy{Name: role.Label + "/" + name, Document: doc})
		}
		for _, a := range assembly.List(res.Properties["ManagedPolicyArns"]) {
			arn, err := r.str(a)
			if err != nil {
				return err
			}
			p, err := m.policyByARN(arn)
			if err != nil {
				return fmt.Errorf("%s %s: %w", s.Name, res.ID, err)
			}
			role.Identity = append(role.Identity, p)
		}
		if b, ok := res.Properties["PermissionsBoundary"]; ok {
			arn, err := r.str(b)
			if err != nil {
				return err
			}
			p, err := m.policyByARN(arn)
			if err != nil {
				return fmt.Errorf("%s %s: permissions boundary: %w", s.Name, res.ID, err)
			}
			role.Boundaries = []Policy{p}
		}
		roles[res.ID] = role
		m.Roles[role.ARN] = role
		// A role's trust policy is the resource policy of sts:AssumeRole on it.
		trust, err := r.document(res.Properties["AssumeRolePolicyDocument"])
		if err != nil {
			return fmt.Errorf("%s %s: %w", s.Name, res.ID, err)
		}
		m.Resources[role.ARN] = Policy{Name: role.Label + " trust policy", Document: trust}
	}
	for _, res := range s.OfType("AWS::IAM::Policy", "AWS::IAM::ManagedPolicy") {
		doc, err := r.document(res.Properties["PolicyDocument"])
		if err != nil {
			return fmt.Errorf("%s %s: %w", s.Name, res.ID, err)
		}
		for _, ref := range assembly.List(res.Properties["Roles"]) {
			role := roles[assembly.RefTarget(ref)]
			if role == nil {
				continue // a role of another stack, or named by a literal: not this template's
			}
			role.Identity = append(role.Identity, Policy{Name: s.Name + "/" + res.ID, Document: doc})
		}
	}
	resourcePolicies := []struct{ typ, doc, target string }{
		{"AWS::S3::BucketPolicy", "PolicyDocument", "Bucket"},
		{"AWS::KMS::Key", "KeyPolicy", ""},
		{"AWS::SNS::TopicPolicy", "PolicyDocument", "Topics"},
		{"AWS::SQS::QueuePolicy", "PolicyDocument", "Queues"},
		{"AWS::SecretsManager::ResourcePolicy", "ResourcePolicy", "SecretId"},
	}
	for _, rp := range resourcePolicies {
		for _, res := range s.OfType(rp.typ) {
			doc, err := r.document(res.Properties[rp.doc])
			if err != nil {
				return fmt.Errorf("%s %s: %w", s.Name, res.ID, err)
			}
			var targets []string
			switch rp.typ {
			case "AWS::KMS::Key":
				arn, _ := r.getAtt(res.ID, "Arn")
				targets = []string{arn.(string)}
			case "AWS::S3::BucketPolicy":
				name, err := r.str(res.Properties["Bucket"])
				if err != nil {
					return err
				}
				targets = []string{"arn:aws:s3:::" + name}
			default:
				for _, t := range assembly.List(res.Properties[rp.target]) {
					arn, err := r.str(t)
					if err != nil {
						return err
					}
					targets = append(targets, arn)
				}
			}
			for _, t := range targets {
				m.Resources[t] = Policy{Name: s.Name + "/" + res.ID, Document: doc}
			}
		}
	}
	for _, res := range s.OfType("AWS::Logs::ResourcePolicy") {
		raw, err := r.str(res.Properties["PolicyDocument"])
		if err != nil {
			return err
		}
		var doc map[string]any
		if err := json.Unmarshal([]byte(raw), &doc); err != nil {
			return fmt.Errorf("%s %s: %w", s.Name, res.ID, err)
		}
		m.LogPolicies = append(m.LogPolicies, Policy{Name: s.Name + "/" + res.ID, Document: doc})
	}
	return nil
}

// document resolves a policy document; a document given as a JSON string is parsed.
func (r resolver) document(v any) (map[string]any, error) {
	out, err := r.value(v)
	if err != nil {
		return nil, err
	}
	if s, ok := out.(string); ok {
		var doc map[string]any
		if err := json.Unmarshal([]byte(s), &doc); err != nil {
			return nil, err
		}
		return doc, nil
	}
	doc, ok := out.(map[string]any)
	if !ok {
		return nil, fmt.Errorf("policy document is not an object")
	}
	return doc, nil
}

func (m *Model) policyByARN(arn string) (Policy, error) {
	if strings.HasPrefix(arn, "arn:aws:iam::aws:policy/") {
		return Managed(arn)
	}
	if name, ok := strings.CutPrefix(arn, "arn:aws:iam::"+m.Account+":policy/"); ok {
		if p, ok := m.managedByName[name[strings.LastIndex(name, "/")+1:]]; ok {
			return p, nil
		}
	}
	return Policy{}, fmt.Errorf("policy %s is in none of the environment's templates", arn)
}

// resourcePolicy returns the policy that governs arn: a bucket's for its objects too, the
// account's CloudWatch Logs resource policies (merged) for a log group or stream.
func (m *Model) resourcePolicy(arn string) (Policy, bool) {
	if p, ok := m.Resources[arn]; ok {
		return p, true
	}
	if rest, ok := strings.CutPrefix(arn, "arn:aws:s3:::"); ok {
		bucket, _, _ := strings.Cut(rest, "/")
		p, ok := m.Resources["arn:aws:s3:::"+bucket]
		return p, ok
	}
	if strings.HasPrefix(arn, "arn:aws:logs:") && len(m.LogPolicies) > 0 {
		var names []string
		var stmts []any
		for _, p := range m.LogPolicies {
			names = append(names, p.Name)
			stmts = append(stmts, assembly.List(p.Document["Statement"])...)
		}
		return Policy{Name: strings.Join(names, "+"), Document: map[string]any{"Version": "2012-10-17", "Statement": stmts}}, true
	}
	return Policy{}, false
}

// Resolve turns a flow's string (principal, resource or context value) into its concrete value:
// ${STACK/ID} is the ARN of the resource of stack STACK whose logical ID is ID followed by the
// CDK's 8-character hash (or is ID), ${STACK/ID.Ref} its Ref.
func (m *Model) Resolve(s string) (string, error) {
	var err error
	out := subPlaceholder.ReplaceAllStringFunc(s, func(p string) string {
		ref := p[2 : len(p)-1]
		stack, id, ok := strings.Cut(ref, "/")
		if !ok {
			err = fmt.Errorf("%s: want ${STACK/ID}", p)
			return p
		}
		attr := "Arn"
		if i, a, ok := strings.Cut(id, "."); ok {
			id, attr = i, a
		}
		st, ok := m.stacks[stack]
		if !ok {
			err = fmt.Errorf("%s: no stack %s", p, stack)
			return p
		}
		res, e := Find(st, id)
		if e != nil {
			err = e
			return p
		}
		r := resolver{m.Account, m.Region, st}
		var v any
		if attr == "Ref" {
			v, e = r.ref(res.ID)
		} else {
			v, e = r.getAtt(res.ID, attr)
		}
		if e != nil {
			err = e
			return p
		}
		return fmt.Sprint(v)
	})
	return out, err
}

// Find returns the resource of s whose logical ID is id, or id and the CDK's 8-hex-digit hash.
func Find(s *assembly.Stack, id string) (*assembly.Resource, error) {
	if r, ok := s.Resource(id); ok {
		return r, nil
	}
	var found []*assembly.Resource
	for _, r := range s.Resources() {
		if rest, ok := strings.CutPrefix(r.ID, id); ok && len(rest) == 8 && strings.ToUpper(rest) == rest && isHex(rest) {
			found = append(found, r)
		}
	}
	if len(found) != 1 {
		ids := make([]string, len(found))
		for i, r := range found {
			ids[i] = r.ID
		}
		return nil, fmt.Errorf("stack %s: %d resources named %s (%s)", s.Name, len(found), id, strings.Join(ids, ", "))
	}
	return found[0], nil
}

func isHex(s string) bool {
	for _, c := range s {
		if !strings.ContainsRune("0123456789ABCDEF", c) {
			return false
		}
	}
	return true
}

// RoleARNs returns the ARN of every role of the model, sorted.
func (m *Model) RoleARNs() []string { return slices.Sorted(maps.Keys(m.Roles)) }
