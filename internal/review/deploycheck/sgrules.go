package deploycheck

import (
	"fmt"
	"sort"
	"strings"

	"github.com/voicevault/voicevault/internal/review/assembly"
)

// RuleUniqueSGRule is the rule UniqueSecurityGroupRules reports under.
const RuleUniqueSGRule = "unique-sg-rule"

// UniqueSecurityGroupRules reports a security group ingress or egress rule that two resources of
// the deployment would create in one account and Region. EC2 refuses a rule that already exists
// (InvalidPermission.Duplicate: Amazon EC2 API Reference, AuthorizeSecurityGroupIngress, "Error
// codes"), so the second stack's create fails; and when both did exist, deleting one stack would
// revoke the rule the other relies on. Rules are compared by group, protocol, ports and peer,
// with groups and peers read through the SSM parameters tenant stacks take them from, so a
// tenant's rule on the platform's cluster security group is seen as the platform's group.
func UniqueSecurityGroupRules(a *assembly.Assembly) []Finding {
	ssm := map[string]string{} // account/region/parameter name → rendered value in its writing stack
	for _, s := range a.Stacks {
		for _, r := range s.OfType("AWS::SSM::Parameter") {
			if n, ok := r.Properties["Name"].(string); ok {
				ssm[s.Account+"/"+s.Region+"/"+n] = canonical(s, r.Properties["Value"], nil)
			}
		}
	}
	type rule struct{ where, key string }
	var rules []rule
	add := func(s *assembly.Stack, r *assembly.Resource, dir string, group any, x map[string]any) {
		peer := x["CidrIp"]
		for _, k := range []string{"CidrIpv6", "SourceSecurityGroupId", "SourcePrefixListId", "DestinationSecurityGroupId", "DestinationPrefixListId"} {
			if v, ok := x[k]; ok {
				peer = v
			}
		}
		key := strings.Join([]string{s.Account, s.Region, dir, canonical(s, group, ssm), fmt.Sprint(x["IpProtocol"]),
			fmt.Sprint(x["FromPort"]), fmt.Sprint(x["ToPort"]), canonical(s, peer, ssm)}, "|")
		rules = append(rules, rule{s.Name + "/" + r.ID, key})
	}
	for _, s := range a.Stacks {
		for _, r := range s.Resources() {
			switch r.Type {
			case "AWS::EC2::SecurityGroupIngress":
				add(s, r, "in", r.Properties["GroupId"], r.Properties)
			case "AWS::EC2::SecurityGroupEgress":
				add(s, r, "out", r.Properties["GroupId"], r.Properties)
			case "AWS::EC2::SecurityGroup":
				self := map[string]any{"Fn::GetAtt": []any{r.ID, "GroupId"}}
				for _, dir := range []string{"SecurityGroupIngress", "SecurityGroupEgress"} {
					for _, x := range assembly.List(r.Properties[dir]) {
						if m, ok := x.(map[string]any); ok {
							add(s, r, map[string]string{"SecurityGroupIngress": "in", "SecurityGroupEgress": "out"}[dir], self, m)
						}
					}
				}
			}
		}
	}
	first := map[string]string{}
	var out []Finding
	for _, r := range rules {
		if prev, dup := first[r.key]; dup {
			stack, id, _ := strings.Cut(r.where, "/")
			f := strings.Split(r.key, "|")
			out = append(out, Finding{RuleUniqueSGRule, stack, id, fmt.Sprintf("the same %sbound rule (%s ports %s-%s, group %s, peer %s) as %s: EC2 refuses the second (InvalidPermission.Duplicate)",
				f[2], f[4], f[5], f[6], f[3], f[7], prev)})
			continue
		}
		first[r.key] = r.where
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].String() < out[j].String() })
	return out
}

// canonical renders v as a comparable string: a Ref to an SSM parameter of the template reads as
// the value its writing stack gives it (when ssm knows it), other refs and attributes as
// stack-qualified names, literals as themselves.
func canonical(s *assembly.Stack, v any, ssm map[string]string) string {
	if id := assembly.RefTarget(v); id != "" {
		if prm, ok := assembly.Get(s.Template, "Parameters", id).(map[string]any); ok {
			name, _ := prm["Default"].(string)
			if val, ok := ssm[s.Account+"/"+s.Region+"/"+name]; ok {
				return val
			}
			return "ssm:" + name
		}
		return s.Name + "/" + assembly.Render(v)
	}
	if m, ok := v.(map[string]any); ok {
		if _, ok := m["Fn::GetAtt"]; ok {
			return s.Name + "/" + assembly.Render(v)
		}
	}
	return assembly.Render(v)
}
