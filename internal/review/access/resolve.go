package access

import (
	"fmt"
	"maps"
	"regexp"
	"slices"
	"strings"

	"github.com/voicevault/voicevault/internal/review/assembly"
)

// resolver turns CloudFormation values of one environment's templates into the concrete strings
// they take in its account and region: pseudo parameters, Ref and Fn::GetAtt of the resources
// (physical names where the template sets them, a name derived from the logical ID where
// CloudFormation would generate one), Fn::Join, Fn::Sub, Fn::Select and Fn::Split.
type resolver struct {
	account, region string
	stack           *assembly.Stack
}

var subPlaceholder = regexp.MustCompile(`\$\{([^}!]+)\}`)

// value resolves v to a JSON-like value with every intrinsic replaced.
func (r resolver) value(v any) (any, error) {
	switch x := v.(type) {
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			var err error
			if out[i], err = r.value(e); err != nil {
				return nil, err
			}
		}
		return out, nil
	case map[string]any:
		if len(x) == 1 {
			for k := range x {
				if k == "Ref" || strings.HasPrefix(k, "Fn::") {
					return r.intrinsic(x)
				}
			}
		}
		out := make(map[string]any, len(x))
		for _, k := range slices.Sorted(maps.Keys(x)) {
			var err error
			if out[k], err = r.value(x[k]); err != nil {
				return nil, err
			}
		}
		return out, nil
	}
	return v, nil
}

// str resolves v to a string.
func (r resolver) str(v any) (string, error) {
	out, err := r.value(v)
	if err != nil {
		return "", err
	}
	switch s := out.(type) {
	case string:
		return s, nil
	case float64, bool:
		return fmt.Sprint(s), nil
	}
	return "", fmt.Errorf("%s is not a string", assembly.Render(v))
}

func (r resolver) intrinsic(x map[string]any) (any, error) {
	for k, arg := range x {
		switch k {
		case "Ref":
			name, _ := arg.(string)
			return r.ref(name)
		case "Fn::GetAtt":
			var id, attr string
			switch a := arg.(type) {
			case []any:
				if len(a) == 2 {
					id, _ = a[0].(string)
					attr, _ = a[1].(string)
				}
			case string:
				id, attr, _ = strings.Cut(a, ".")
			}
			return r.getAtt(id, attr)
		case "Fn::Join":
			l, _ := arg.([]any)
			if len(l) != 2 {
				return nil, fmt.Errorf("malformed Fn::Join")
			}
			sep, _ := l[0].(string)
			items, err := r.value(l[1])
			if err != nil {
				return nil, err
			}
			list, _ := items.([]any)
			parts := make([]string, len(list))
			for i, p := range list {
				s, ok := p.(string)
				if !ok {
					return nil, fmt.Errorf("Fn::Join of a non-string %v", p)
				}
				parts[i] = s
			}
			return strings.Join(parts, sep), nil
		case "Fn::Sub":
			tpl, vars := "", map[string]any{}
			switch s := arg.(type) {
			case string:
				tpl = s
			case []any:
				if len(s) == 2 {
					tpl, _ = s[0].(string)
					vars, _ = s[1].(map[string]any)
				}
			}
			var err error
			out := subPlaceholder.ReplaceAllStringFunc(tpl, func(m string) string {
				name := m[2 : len(m)-1]
				var v any
				var e error
				if val, ok := vars[name]; ok {
					v, e = r.value(val)
				} else if id, attr, ok := strings.Cut(name, "."); ok {
					v, e = r.getAtt(id, attr)
				} else {
					v, e = r.ref(name)
				}
				if e != nil {
					err = e
					return m
				}
				return fmt.Sprint(v)
			})
			return out, err
		case "Fn::Select":
			l, _ := arg.([]any)
			if len(l) != 2 {
				return nil, fmt.Errorf("malformed Fn::Select")
			}
			idx, err := r.str(l[0])
			if err != nil {
				return nil, err
			}
			list, err := r.value(l[1])
			if err != nil {
				return nil, err
			}
			var i int
			if _, err := fmt.Sscan(idx, &i); err != nil || i < 0 {
				return nil, fmt.Errorf("Fn::Select index %s out of range", idx)
			}
			if p, ok := list.(paramList); ok {
				return p.item(i), nil
			}
			items, _ := list.([]any)
			if i >= len(items) {
				return nil, fmt.Errorf("Fn::Select index %s out of range", idx)
			}
			return items[i], nil
		case "Fn::Split":
			l, _ := arg.([]any)
			if len(l) != 2 {
				return nil, fmt.Errorf("malformed Fn::Split")
			}
			sep, _ := l[0].(string)
			s, err := r.str(l[1])
			if err != nil {
				return nil, err
			}
			if strings.HasPrefix(s, ssmParamPrefix) && !strings.Contains(s, sep) {
				// A deploy-time list parameter (e.g. the platform's private subnet IDs): its items are
				// known only as items of that parameter.
				return paramList(s), nil
			}
			var out []any
			for _, p := range strings.Split(s, sep) {
				out = append(out, p)
			}
			return out, nil
		}
		return nil, fmt.Errorf("stack %s: %s is not resolved", r.stack.Name, k)
	}
	return nil, nil
}

func (r resolver) ref(name string) (any, error) {
	switch name {
	case "AWS::AccountId":
		return r.account, nil
	case "AWS::Region":
		return r.region, nil
	case "AWS::Partition":
		return "aws", nil
	case "AWS::URLSuffix":
		return "amazonaws.com", nil
	case "AWS::StackName":
		return r.stack.Name, nil
	case "AWS::NoValue":
		return nil, nil
	}
	if params, ok := r.stack.Template["Parameters"].(map[string]any); ok {
		if p, ok := params[name].(map[string]any); ok {
			// A deploy-time SSM parameter (the platform → tenant contract) resolves to the same
			// string in every stack that reads it: SSMParam of its name.
			if typ, _ := p["Type"].(string); strings.HasPrefix(typ, "AWS::SSM::Parameter::Value<") {
				if n, ok := p["Default"].(string); ok {
					return SSMParam(n), nil
				}
			}
			return "param-" + strings.ToLower(name), nil
		}
	}
	res, ok := r.stack.Resource(name)
	if !ok {
		return nil, fmt.Errorf("stack %s: Ref to unknown %s", r.stack.Name, name)
	}
	switch res.Type {
	case "AWS::IAM::Role", "AWS::S3::Bucket", "AWS::Logs::LogGroup", "AWS::Lambda::Function", "AWS::EKS::Cluster":
		return r.physicalName(res)
	case "AWS::SNS::Topic", "AWS::SecretsManager::Secret", "AWS::IAM::ManagedPolicy":
		return r.getAtt(res.ID, "Arn")
	}
	return r.stack.Name + "-" + strings.ToLower(res.ID), nil
}

// physicalName is the resource's name property, or the name CloudFormation would generate
// (stack name and logical ID; the random suffix is left out).
func (r resolver) physicalName(res *assembly.Resource) (string, error) {
	prop := map[string]string{
		"AWS::IAM::Role": "RoleName", "AWS::S3::Bucket": "BucketName", "AWS::Logs::LogGroup": "LogGroupName",
		"AWS::Lambda::Function": "FunctionName", "AWS::EKS::Cluster": "Name", "AWS::SNS::Topic": "TopicName",
		"AWS::SecretsManager::Secret": "Name", "AWS::IAM::ManagedPolicy": "ManagedPolicyName",
	}[res.Type]
	if v, ok := res.Properties[prop]; ok {
		return r.str(v)
	}
	return r.stack.Name + "-" + res.ID, nil
}

func (r resolver) getAtt(id, attr string) (any, error) {
	res, ok := r.stack.Resource(id)
	if !ok {
		return nil, fmt.Errorf("stack %s: Fn::GetAtt of unknown %s", r.stack.Name, id)
	}
	if attr != "Arn" {
		return strings.ToLower(id + "-" + attr), nil
	}
	name, err := r.physicalName(res)
	if err != nil {
		return nil, err
	}
	a, g := r.account, r.region
	switch res.Type {
	case "AWS::IAM::Role":
		path, _ := res.Properties["Path"].(string)
		if path == "" {
			path = "/"
		}
		return "arn:aws:iam::" + a + ":role" + path + name, nil
	case "AWS::IAM::ManagedPolicy":
		return "arn:aws:iam::" + a + ":policy/" + name, nil
	case "AWS::S3::Bucket":
		return "arn:aws:s3:::" + name, nil
	case "AWS::Logs::LogGroup":
		return "arn:aws:logs:" + g + ":" + a + ":log-group:" + name + ":*", nil
	case "AWS::Lambda::Function":
		return "arn:aws:lambda:" + g + ":" + a + ":function:" + name, nil
	case "AWS::EKS::Cluster":
		return "arn:aws:eks:" + g + ":" + a + ":cluster/" + name, nil
	case "AWS::SNS::Topic":
		return "arn:aws:sns:" + g + ":" + a + ":" + name, nil
	case "AWS::SecretsManager::Secret":
		return "arn:aws:secretsmanager:" + g + ":" + a + ":secret:" + name + "-" + SecretSuffix, nil
	case "AWS::KMS::Key":
		return "arn:aws:kms:" + g + ":" + a + ":key/" + r.stack.Name + "-" + strings.ToLower(res.ID), nil
	}
	return "arn:aws:" + strings.ToLower(strings.Split(res.Type, "::")[1]) + ":" + g + ":" + a + ":" + strings.ToLower(res.ID), nil
}

// SecretSuffix stands for the six random characters Secrets Manager appends to a secret's ARN.
const SecretSuffix = "AbCdEf"

// SSMParam is the value a deploy-time SSM parameter named name resolves to in the model: flows
// name the same value in their request context (e.g. aws:SourceVpc = the platform's vpc-id).
func SSMParam(name string) string { return ssmParamPrefix + name }

const ssmParamPrefix = "ssm-param:"

// paramList is Fn::Split of an SSM parameter's value: item i reads <parameter>[i].
type paramList string

func (p paramList) item(i int) string { return fmt.Sprintf("%s[%d]", string(p), i) }
