package checks

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"strconv"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/eks"
	ekstypes "github.com/aws/aws-sdk-go-v2/service/eks/types"

	"github.com/voicevault/voicevault/config"
)

// ObservabilityAddon is the EKS add-on whose configuration values VoiceVault sets (the
// observability construct installs it without pinning a version, so EKS installs the version that
// is the default for the cluster's Kubernetes version).
const ObservabilityAddon = "amazon-cloudwatch-observability"

// ObservabilityConfigPaths are the key paths VoiceVault sets in the add-on's configuration values,
// each from the document's root: the Fluent Bit file application-log.conf, overridden to route each
// tenant namespace's container logs to that tenant's own log group. EKS validates configuration
// values against the add-on version's JSON schema when the add-on is created, so each path must be
// in the schema of the version EKS installs.
var ObservabilityConfigPaths = [][]string{
	{"containerLogs", "fluentBit", "config", "extraFiles", "application-log.conf"},
}

// checkAddonConfiguration finds the add-on version EKS installs for the environment's Kubernetes
// version (DescribeAddonVersions: the one marked default for it, else the newest listed), reads
// that version's configuration schema (DescribeAddonConfiguration) and walks each of
// ObservabilityConfigPaths through it: a path the schema lacks fails the platform stack's create.
func checkAddonConfiguration(ctx context.Context, c *clients, e *config.Environment) Group {
	g := Group{Name: "EKS add-on configuration"}
	const check = "add-on configuration"
	subject := ObservabilityAddon
	var addons []ekstypes.AddonInfo
	p := eks.NewDescribeAddonVersionsPaginator(c.eks(), &eks.DescribeAddonVersionsInput{
		AddonName: aws.String(ObservabilityAddon), KubernetesVersion: aws.String(e.KubernetesVersion),
	})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			if code, _ := apiError(err); code == "ResourceNotFoundException" {
				break // the add-on is unknown in this region: not available, as with an empty list
			}
			g.Rows = append(g.Rows, couldNotCheck(check, subject, "eks:DescribeAddonVersions", err))
			return g
		}
		addons = append(addons, page.Addons...)
	}
	version, why := installedAddonVersion(addons, e.KubernetesVersion)
	if version == "" {
		g.Rows = append(g.Rows, Row{Check: check, Subject: subject, Verdict: Blocker,
			Found: fmt.Sprintf("not available for Kubernetes %s in %s: the platform stack's create fails", e.KubernetesVersion, e.Region),
			Fix:   fmt.Sprintf("set environments[%s].kubernetesVersion to a version the add-on supports (aws eks describe-addon-versions --addon-name %s)", e.Name, ObservabilityAddon)})
		return g
	}
	out, err := c.eks().DescribeAddonConfiguration(ctx, &eks.DescribeAddonConfigurationInput{
		AddonName: aws.String(ObservabilityAddon), AddonVersion: aws.String(version),
	})
	if err != nil {
		g.Rows = append(g.Rows, couldNotCheck(check, subject+" "+version, "eks:DescribeAddonConfiguration", err))
		return g
	}
	schema, err := parseSchema(aws.ToString(out.ConfigurationSchema))
	if err != nil {
		g.Rows = append(g.Rows, unusableSchema(check, subject, version, err))
		return g
	}
	for _, path := range ObservabilityConfigPaths {
		ans, err := schema.accepts(path)
		if err != nil {
			g.Rows = append(g.Rows, unusableSchema(check, subject, version, err))
			continue
		}
		row := Row{Check: check, Subject: subject + " " + keyPath(path)}
		of := fmt.Sprintf("the configuration schema of %s (%s)", version, why)
		switch {
		case ans.open != nil:
			row.Verdict = OK
			row.Found = fmt.Sprintf("accepted by %s: %s takes any key (%s)", of, keyPath(ans.open), ans.how)
		case ans.missing == "":
			row.Verdict, row.Found = OK, "declared by "+of
		default:
			row.Verdict = Blocker
			row.Found = fmt.Sprintf("%s has no %s under %s: EKS rejects the add-on's configuration values and the platform stack's create fails", of, ans.missing, keyPath(ans.at))
			row.Fix = fmt.Sprintf("pin an add-on version whose configuration schema has %s, or remove the per-tenant log routing", keyPath(path))
		}
		g.Rows = append(g.Rows, row)
	}
	return g
}

func unusableSchema(check, subject, version string, err error) Row {
	return Row{Check: check, Subject: subject + " " + version, Verdict: Warning,
		Found: "could not check: the configuration schema of " + version + " is not usable: " + err.Error(),
		Fix:   fmt.Sprintf("read it with aws eks describe-addon-configuration --addon-name %s --addon-version %s and check the per-tenant log routing's keys by hand", ObservabilityAddon, version)}
}

// installedAddonVersion is the version EKS installs for Kubernetes version k8s when none is
// pinned: the one whose compatibility with k8s is marked default, else the newest compatible one.
// why says which; "" when the add-on has no version for k8s.
func installedAddonVersion(addons []ekstypes.AddonInfo, k8s string) (version, why string) {
	var newest string
	for _, a := range addons {
		if aws.ToString(a.AddonName) != ObservabilityAddon {
			continue
		}
		for _, v := range a.AddonVersions {
			for _, c := range v.Compatibilities {
				if aws.ToString(c.ClusterVersion) != k8s {
					continue
				}
				if c.DefaultVersion {
					return aws.ToString(v.AddonVersion), "default for Kubernetes " + k8s
				}
				if newest == "" || newerAddonVersion(aws.ToString(v.AddonVersion), newest) {
					newest = aws.ToString(v.AddonVersion)
				}
			}
		}
	}
	if newest == "" {
		return "", ""
	}
	return newest, "newest for Kubernetes " + k8s + "; none is marked default"
}

var versionNumbers = regexp.MustCompile(`[0-9]+`)

// newerAddonVersion compares add-on versions such as v4.4.0-eksbuild.1 number by number.
func newerAddonVersion(a, b string) bool {
	na, nb := versionNumbers.FindAllString(a, -1), versionNumbers.FindAllString(b, -1)
	for i := 0; i < len(na) && i < len(nb); i++ {
		x, _ := strconv.Atoi(na[i])
		y, _ := strconv.Atoi(nb[i])
		if x != y {
			return x > y
		}
	}
	return len(na) > len(nb)
}

// keyPath writes a key path the way jq does: dotted, with keys that are not identifiers quoted
// (containerLogs.fluentBit.config.extraFiles["application-log.conf"]); "(root)" when empty.
func keyPath(path []string) string {
	if len(path) == 0 {
		return "(root)"
	}
	var b strings.Builder
	for i, k := range path {
		if identifier.MatchString(k) {
			if i > 0 {
				b.WriteByte('.')
			}
			b.WriteString(k)
		} else {
			b.WriteString("[" + strconv.Quote(k) + "]")
		}
	}
	return b.String()
}

var identifier = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`)

// jsonSchema is a parsed JSON Schema document, walked only through properties, additionalProperties
// and $ref within the document (#/definitions/..., #/$defs/...: any JSON pointer into it).
type jsonSchema struct{ root any }

// errSchema is wrapped by every reason a schema can't be walked.
var errSchema = errors.New("configuration schema")

func parseSchema(s string) (jsonSchema, error) {
	if strings.TrimSpace(s) == "" {
		return jsonSchema{}, fmt.Errorf("%w: empty", errSchema)
	}
	var root any
	if err := json.Unmarshal([]byte(s), &root); err != nil {
		return jsonSchema{}, fmt.Errorf("%w: not JSON: %v", errSchema, err)
	}
	switch root.(type) {
	case map[string]any, bool:
		return jsonSchema{root: root}, nil
	}
	return jsonSchema{}, fmt.Errorf("%w: the document is a %T, not a schema", errSchema, root)
}

// schemaAnswer is what a schema says about a key path: open is the prefix under which any key is
// accepted (how says why), else missing is the first key it lacks, under at; all empty: declared.
type schemaAnswer struct {
	open    []string
	how     string
	missing string
	at      []string
}

// accepts walks path from the root through properties.
func (s jsonSchema) accepts(path []string) (schemaAnswer, error) {
	node := s.root
	for i, key := range path {
		at := path[:i]
		n, err := s.resolve(node, at)
		if err != nil {
			return schemaAnswer{}, err
		}
		if b, ok := n.(bool); ok {
			if b {
				return schemaAnswer{open: at, how: "its schema is true"}, nil
			}
			return schemaAnswer{missing: key, at: at}, nil
		}
		obj, ok := n.(map[string]any)
		if !ok {
			return schemaAnswer{}, fmt.Errorf("%w: %s is a %T, not a schema", errSchema, keyPath(at), n)
		}
		props, hasProps := obj["properties"]
		if hasProps {
			pm, ok := props.(map[string]any)
			if !ok {
				return schemaAnswer{}, fmt.Errorf("%w: the properties of %s are not an object", errSchema, keyPath(at))
			}
			if sub, ok := pm[key]; ok {
				node = sub
				continue
			}
		}
		switch ap := obj["additionalProperties"].(type) {
		case bool:
			if ap {
				return schemaAnswer{open: at, how: "additionalProperties: true"}, nil
			}
		case map[string]any:
			return schemaAnswer{open: at, how: "additionalProperties is a schema"}, nil
		}
		if !hasProps {
			for _, k := range []string{"allOf", "anyOf", "oneOf"} {
				if _, ok := obj[k]; ok {
					return schemaAnswer{}, fmt.Errorf("%w: %s is defined with %s, which preflight does not follow", errSchema, keyPath(at), k)
				}
			}
			if t, typed := obj["type"]; (t == "object" || !typed) && obj["additionalProperties"] == nil {
				return schemaAnswer{open: at, how: "a schema without properties"}, nil
			}
		}
		// A key the schema does not declare: rejected where additionalProperties is false, and where
		// it is absent the add-on's chart would not read it either.
		return schemaAnswer{missing: key, at: at}, nil
	}
	return schemaAnswer{}, nil
}

// resolve follows $ref within the document, at most 32 times.
func (s jsonSchema) resolve(node any, at []string) (any, error) {
	for range 32 {
		obj, ok := node.(map[string]any)
		if !ok {
			return node, nil
		}
		ref, ok := obj["$ref"]
		if !ok {
			return node, nil
		}
		r, ok := ref.(string)
		if !ok || (r != "#" && !strings.HasPrefix(r, "#/")) {
			return nil, fmt.Errorf("%w: %s refers to %v, outside the document", errSchema, keyPath(at), ref)
		}
		target, err := pointer(s.root, strings.TrimPrefix(r, "#"))
		if err != nil {
			return nil, fmt.Errorf("%w: %s: $ref %s: %v", errSchema, keyPath(at), r, err)
		}
		node = target
	}
	return nil, fmt.Errorf("%w: %s: $ref loops", errSchema, keyPath(at))
}

// pointer resolves a JSON pointer (RFC 6901) such as /definitions/fluentBit in doc.
func pointer(doc any, p string) (any, error) {
	node := doc
	if p == "" {
		return node, nil
	}
	for _, tok := range strings.Split(p[1:], "/") {
		tok = strings.ReplaceAll(strings.ReplaceAll(tok, "~1", "/"), "~0", "~")
		obj, ok := node.(map[string]any)
		if !ok {
			return nil, fmt.Errorf("%s is not an object", tok)
		}
		if node, ok = obj[tok]; !ok {
			return nil, fmt.Errorf("no %s", tok)
		}
	}
	return node, nil
}
