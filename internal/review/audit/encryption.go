package audit

import (
	"sort"
	"strings"

	"github.com/voicevault/voicevault/internal/review/assembly"
	"github.com/voicevault/voicevault/internal/review/policycheck"
)

// Key is one customer-managed KMS key of the assembly.
type Key struct {
	Stack         string   `json:"stack"`
	ID            string   `json:"logicalId"`
	Path          string   `json:"path"`
	Aliases       []string `json:"aliases"`
	Description   string   `json:"description"`
	Rotation      bool     `json:"rotation"`
	RotationDays  string   `json:"rotationPeriodDays"`
	PendingDays   string   `json:"pendingWindowDays"`
	Spec          string   `json:"keySpec"`
	Retained      bool     `json:"retained"`
	PolicyUsers   []string `json:"keyPolicyUsers"`  // principals the key policy lets use the key (data plane)
	PolicyAdmins  []string `json:"keyPolicyAdmins"` // principals the key policy lets only administer it
	GrantedTo     []string `json:"grantedTo"`       // roles whose identity policies name the key
	Protects      []string `json:"protects"`        // resources encrypted with it
	Status        Status   `json:"status"`
	Note          string   `json:"note"`
	accountRootDP bool
}

// Encryption classes.
const (
	EncCMK       = "customer-managed KMS key"
	EncExtCMK    = "KMS key outside these templates"
	EncAWSKMS    = "AWS-managed KMS key"
	EncAWSOwned  = "AWS-owned key (service default)"
	EncNone      = "not encrypted"
	EncNotStated = "not stated in the template"
)

// EncryptionRow is one data store or log and what encrypts it.
type EncryptionRow struct {
	Stack      string `json:"stack"`
	Resource   string `json:"resource"`
	Type       string `json:"type"`
	What       string `json:"what"`
	Name       string `json:"name"`
	Encryption string `json:"encryption"`
	Key        string `json:"key"`      // the key's stack/logical ID, or the value in the template
	KeyAlias   string `json:"keyAlias"` // first alias of the key
	Rotation   string `json:"rotation"` // on, off or unknown
	Status     Status `json:"status"`
	Note       string `json:"note"`
}

var keyDataActions = []string{"Encrypt", "Decrypt", "ReEncrypt", "GenerateDataKey", "CreateGrant", "Sign", "Verify", "GenerateMac", "VerifyMac"}

func isKeyDataAction(a string) bool {
	if a == "*" || a == "kms:*" {
		return true
	}
	v, ok := strings.CutPrefix(a, "kms:")
	if !ok {
		return false
	}
	for _, d := range keyDataActions {
		if strings.HasPrefix(v, d) {
			return true
		}
	}
	return false
}

func (b *builder) keysSection() {
	for _, s := range b.a.Stacks {
		for _, r := range s.OfType("AWS::KMS::Key") {
			k := &Key{Stack: s.Name, ID: r.ID, Path: r.Label(), Description: render(r.Properties["Description"]), Spec: render(r.Properties["KeySpec"]), Retained: r.Retained()}
			k.Rotation, _ = assembly.Bool(r.Properties["EnableKeyRotation"])
			k.RotationDays, k.PendingDays = render(r.Properties["RotationPeriodInDays"]), render(r.Properties["PendingWindowInDays"])
			if k.Spec == "" {
				k.Spec = "SYMMETRIC_DEFAULT"
			}
			if k.Rotation && k.RotationDays == "" {
				k.RotationDays = "365"
			}
			if k.PendingDays == "" {
				k.PendingDays = "30"
			}
			b.keys[s.Name+"/"+r.ID] = k
			b.keyList = append(b.keyList, k)
		}
		for _, r := range s.OfType("AWS::KMS::Alias") {
			name := render(r.Properties["AliasName"])
			target := assembly.RefTarget(r.Properties["TargetKeyId"])
			if k, ok := b.keys[s.Name+"/"+target]; ok {
				k.Aliases = append(k.Aliases, name)
				b.aliases[name] = k
			}
		}
	}
	// key policy principals
	for _, s := range b.a.Stacks {
		for _, p := range b.policies[s.Name] {
			if p.Kind != policycheck.Key {
				continue
			}
			k := b.keys[s.Name+"/"+p.Resource]
			if k == nil {
				continue
			}
			users, admins := map[string]bool{}, map[string]bool{}
			for _, st := range p.Statements {
				if st.Effect == "Deny" {
					continue
				}
				data := false
				for _, a := range st.Action {
					if isKeyDataAction(render(a)) {
						data = true
					}
				}
				for _, pr := range st.Principals() {
					label := pr
					if len(st.Condition) > 0 {
						label += " (with conditions)"
					}
					if data {
						users[label] = true
						if strings.HasSuffix(pr, ":root") && len(st.Condition) == 0 {
							k.accountRootDP = true
						}
					} else {
						admins[label] = true
					}
				}
			}
			k.PolicyUsers, k.PolicyAdmins = sortedStrings(users), sortedStrings(admins)
		}
	}
	// identity policies that name a key of the same stack
	for _, s := range b.a.Stacks {
		for _, p := range b.policies[s.Name] {
			if p.Kind != policycheck.Identity {
				continue
			}
			for _, st := range p.Statements {
				if st.Effect == "Deny" {
					continue
				}
				for _, res := range st.Resource {
					for _, id := range assembly.Refs(res) {
						if k := b.keys[s.Name+"/"+id]; k != nil {
							for _, who := range p.Principals {
								if !contains(k.GrantedTo, who) {
									k.GrantedTo = append(k.GrantedTo, who)
								}
							}
						}
					}
				}
			}
		}
	}
	for _, k := range b.keyList {
		sort.Strings(k.Aliases)
		sort.Strings(k.GrantedTo)
		k.Status = Pass
		var notes []string
		if !k.Rotation && k.Spec == "SYMMETRIC_DEFAULT" {
			k.Status = Fail
			notes = append(notes, "rotation off")
		}
		if k.accountRootDP {
			k.Status = Fail
			notes = append(notes, "the key policy lets the whole account use the key (IAM policies then decide)")
		}
		if !k.Retained {
			k.Status = worst(k.Status, Warn)
			notes = append(notes, "deleted with the stack")
		}
		k.Note = strings.Join(notes, "; ")
	}
}

// keyRef is a resolved key reference.
type keyRef struct {
	class    string
	key      *Key
	raw      string
	rotation string
}

// resolveKey follows a key value (Ref or Fn::GetAtt of a key or alias, an alias name or ARN,
// an AWS-managed alias) to a key of the assembly when it can.
func (b *builder) resolveKey(s *assembly.Stack, v any) keyRef {
	raw := render(v)
	s, v = b.follow(s, v) // a key ARN passed through an SSM parameter
	if id := assembly.RefTarget(v); id != "" {
		if k := b.keys[s.Name+"/"+id]; k != nil {
			return keyRef{class: EncCMK, key: k, raw: raw}
		}
		if r, ok := s.Resource(id); ok && r.Type == "AWS::KMS::Alias" {
			if k := b.aliases[render(r.Properties["AliasName"])]; k != nil {
				return keyRef{class: EncCMK, key: k, raw: raw}
			}
		}
		return keyRef{class: EncExtCMK, raw: raw, rotation: "unknown"}
	}
	if i := strings.Index(raw, "alias/"); i >= 0 {
		alias := raw[i:]
		if strings.HasPrefix(alias, "alias/aws/") {
			return keyRef{class: EncAWSKMS, raw: raw, rotation: "AWS-managed (yearly)"}
		}
		if k := b.aliases[alias]; k != nil {
			return keyRef{class: EncCMK, key: k, raw: raw}
		}
	}
	return keyRef{class: EncExtCMK, raw: raw, rotation: "unknown"}
}

// row makes an encryption row from a resolved key reference.
func (b *builder) encRow(r *assembly.Resource, what, name string, k keyRef, note string) EncryptionRow {
	row := EncryptionRow{Stack: r.Stack, Resource: r.Label(), Type: r.Type, What: what, Name: name, Encryption: k.class, Key: k.raw, Rotation: k.rotation, Note: note}
	switch k.class {
	case EncCMK:
		row.Key = k.key.Stack + "/" + k.key.ID
		if len(k.key.Aliases) > 0 {
			row.KeyAlias = k.key.Aliases[0]
		}
		row.Rotation = "off"
		row.Status = Fail
		if k.key.Rotation {
			row.Rotation, row.Status = "on", Pass
		}
		k.key.Protects = append(k.key.Protects, r.Stack+"/"+r.Label())
	case EncExtCMK:
		row.Status = Warn
		if row.Note == "" {
			row.Note = "key defined outside these templates: check it is customer-managed with rotation"
		}
	default:
		row.Status = Fail
	}
	return row
}

func (b *builder) encryption() {
	for _, s := range b.a.Stacks {
		for _, r := range s.Resources() {
			p := r.Properties
			add := func(row EncryptionRow) { b.r.Encryption = append(b.r.Encryption, row) }
			none := func(what, name, class, note string) {
				add(EncryptionRow{Stack: r.Stack, Resource: r.Label(), Type: r.Type, What: what, Name: name, Encryption: class, Status: Fail, Note: note})
			}
			switch r.Type {
			case "AWS::S3::Bucket":
				name := render(p["BucketName"])
				var sse any
				if cfgs := assembly.List(assembly.Get(p, "BucketEncryption", "ServerSideEncryptionConfiguration")); len(cfgs) > 0 {
					sse = assembly.Get(cfgs[0], "ServerSideEncryptionByDefault")
				}
				alg := render(assembly.Get(sse, "SSEAlgorithm"))
				switch {
				case strings.HasPrefix(alg, "aws:kms") && assembly.Get(sse, "KMSMasterKeyID") != nil:
					add(b.encRow(r, "S3 bucket", name, b.resolveKey(s, assembly.Get(sse, "KMSMasterKeyID")), ""))
				case strings.HasPrefix(alg, "aws:kms"):
					none("S3 bucket", name, EncAWSKMS, "SSE-KMS with the aws/s3 key")
				case alg == "AES256":
					if reason, ok := b.registeredException(r, "S3DefaultEncryptionKMS"); ok {
						// A reviewed exception (e.g. S3 server access logging cannot write to an
						// SSE-KMS bucket): shown for review with the registry's reason, not a failure.
						add(EncryptionRow{Stack: r.Stack, Resource: r.Label(), Type: r.Type, What: "S3 bucket", Name: name, Encryption: EncAWSOwned, Status: Warn, Note: "SSE-S3, registered exception: " + reason})
						break
					}
					none("S3 bucket", name, EncAWSOwned, "SSE-S3")
				default:
					none("S3 bucket", name, EncAWSOwned, "no BucketEncryption: SSE-S3 by default")
				}
			case "AWS::Logs::LogGroup":
				name := render(p["LogGroupName"])
				if v, ok := p["KmsKeyId"]; ok {
					add(b.encRow(r, "Log group", name, b.resolveKey(s, v), ""))
				} else {
					none("Log group", name, EncAWSOwned, "no KmsKeyId: CloudWatch Logs service key")
				}
			case "AWS::SNS::Topic":
				name := render(p["TopicName"])
				if v, ok := p["KmsMasterKeyId"]; ok {
					add(b.encRow(r, "SNS topic", name, b.resolveKey(s, v), ""))
				} else {
					none("SNS topic", name, EncNone, "no KmsMasterKeyId")
				}
			case "AWS::SQS::Queue":
				name := render(p["QueueName"])
				if v, ok := p["KmsMasterKeyId"]; ok {
					add(b.encRow(r, "SQS queue", name, b.resolveKey(s, v), ""))
				} else {
					none("SQS queue", name, EncAWSOwned, "SSE-SQS")
				}
			case "AWS::SecretsManager::Secret":
				name := render(p["Name"])
				if v, ok := p["KmsKeyId"]; ok {
					add(b.encRow(r, "Secret", name, b.resolveKey(s, v), ""))
				} else {
					none("Secret", name, EncAWSKMS, "no KmsKeyId: aws/secretsmanager")
				}
			case "AWS::ECR::Repository":
				name := render(p["RepositoryName"])
				typ := render(assembly.Get(p, "EncryptionConfiguration", "EncryptionType"))
				switch {
				case strings.HasPrefix(typ, "KMS") && assembly.Get(p, "EncryptionConfiguration", "KmsKey") != nil:
					add(b.encRow(r, "ECR repository", name, b.resolveKey(s, assembly.Get(p, "EncryptionConfiguration", "KmsKey")), ""))
				case strings.HasPrefix(typ, "KMS"):
					none("ECR repository", name, EncAWSKMS, "KMS with the aws/ecr key")
				default:
					none("ECR repository", name, EncAWSOwned, "AES256")
				}
			case "AWS::EKS::Cluster":
				name := render(p["Name"])
				found := false
				for _, ec := range assembly.List(p["EncryptionConfig"]) {
					if strings.Contains(render(assembly.Get(ec, "Resources")), "secrets") {
						add(b.encRow(r, "EKS Kubernetes secrets", name, b.resolveKey(s, assembly.Get(ec, "Provider", "KeyArn")), ""))
						found = true
					}
				}
				if !found {
					none("EKS Kubernetes secrets", name, EncAWSOwned, "no EncryptionConfig for secrets")
				}
			case "AWS::EC2::LaunchTemplate":
				name := render(p["LaunchTemplateName"])
				maps := assembly.List(assembly.Get(p, "LaunchTemplateData", "BlockDeviceMappings"))
				if len(maps) == 0 {
					none("EBS volumes (launch template)", name, EncNotStated, "no BlockDeviceMappings: the account's EBS default encryption applies")
				}
				for _, m := range maps {
					dev := render(assembly.Get(m, "DeviceName"))
					ebs := assembly.Get(m, "Ebs")
					enc, _ := assembly.Bool(assembly.Get(ebs, "Encrypted"))
					switch {
					case enc && assembly.Get(ebs, "KmsKeyId") != nil:
						add(b.encRow(r, "EBS volume "+dev+" (launch template)", name, b.resolveKey(s, assembly.Get(ebs, "KmsKeyId")), ""))
					case enc:
						none("EBS volume "+dev+" (launch template)", name, EncAWSKMS, "encrypted with aws/ebs")
					default:
						none("EBS volume "+dev+" (launch template)", name, EncNone, "Encrypted is not true")
					}
				}
			case "AWS::EKS::Nodegroup":
				if _, ok := p["LaunchTemplate"]; !ok {
					none("EBS volumes (node group)", render(p["NodegroupName"]), EncNotStated, "no launch template: the account's EBS default encryption applies")
				}
			case "AWS::EC2::Volume":
				enc, _ := assembly.Bool(p["Encrypted"])
				if v, ok := p["KmsKeyId"]; ok && enc {
					add(b.encRow(r, "EBS volume", "", b.resolveKey(s, v), ""))
				} else if enc {
					none("EBS volume", "", EncAWSKMS, "aws/ebs")
				} else {
					none("EBS volume", "", EncNone, "")
				}
			case "AWS::DynamoDB::Table":
				name := render(p["TableName"])
				on, _ := assembly.Bool(assembly.Get(p, "SSESpecification", "SSEEnabled"))
				if v := assembly.Get(p, "SSESpecification", "KMSMasterKeyId"); on && v != nil {
					add(b.encRow(r, "DynamoDB table", name, b.resolveKey(s, v), ""))
				} else if on {
					none("DynamoDB table", name, EncAWSKMS, "aws/dynamodb")
				} else {
					none("DynamoDB table", name, EncAWSOwned, "")
				}
			case "AWS::CloudTrail::Trail":
				name := render(p["TrailName"])
				if v, ok := p["KMSKeyId"]; ok {
					add(b.encRow(r, "CloudTrail log files", name, b.resolveKey(s, v), ""))
				} else {
					none("CloudTrail log files", name, EncAWSOwned, "no KMSKeyId: the bucket's default encryption")
				}
			case "AWS::KinesisFirehose::DeliveryStream":
				name := render(p["DeliveryStreamName"])
				in := assembly.Get(p, "DeliveryStreamEncryptionConfigurationInput")
				if render(assembly.Get(in, "KeyType")) == "CUSTOMER_MANAGED_CMK" {
					add(b.encRow(r, "Firehose stream", name, b.resolveKey(s, assembly.Get(in, "KeyARN")), ""))
				} else {
					none("Firehose stream", name, EncAWSOwned, "")
				}
			case "AWS::Kinesis::Stream":
				name := render(p["Name"])
				if v := assembly.Get(p, "StreamEncryption", "KeyId"); v != nil {
					add(b.encRow(r, "Kinesis stream", name, b.resolveKey(s, v), ""))
				} else {
					none("Kinesis stream", name, EncNone, "")
				}
			case "AWS::EFS::FileSystem":
				enc, _ := assembly.Bool(p["Encrypted"])
				if v, ok := p["KmsKeyId"]; ok && enc {
					add(b.encRow(r, "EFS file system", "", b.resolveKey(s, v), ""))
				} else if enc {
					none("EFS file system", "", EncAWSKMS, "aws/elasticfilesystem")
				} else {
					none("EFS file system", "", EncNone, "")
				}
			case "AWS::RDS::DBInstance", "AWS::RDS::DBCluster":
				enc, _ := assembly.Bool(p["StorageEncrypted"])
				if v, ok := p["KmsKeyId"]; ok && enc {
					add(b.encRow(r, "RDS storage", "", b.resolveKey(s, v), ""))
				} else if enc {
					none("RDS storage", "", EncAWSKMS, "aws/rds")
				} else {
					none("RDS storage", "", EncNone, "")
				}
			case "AWS::Backup::BackupVault":
				if v, ok := p["EncryptionKeyArn"]; ok {
					add(b.encRow(r, "Backup vault", render(p["BackupVaultName"]), b.resolveKey(s, v), ""))
				} else {
					none("Backup vault", render(p["BackupVaultName"]), EncAWSKMS, "aws/backup")
				}
			case "AWS::Lambda::Function":
				vars, _ := assembly.Get(p, "Environment", "Variables").(map[string]any)
				if len(vars) == 0 {
					continue
				}
				name := render(p["FunctionName"])
				if v, ok := p["KmsKeyArn"]; ok {
					add(b.encRow(r, "Lambda environment variables", name, b.resolveKey(s, v), ""))
				} else {
					add(EncryptionRow{Stack: r.Stack, Resource: r.Label(), Type: r.Type, What: "Lambda environment variables", Name: name, Encryption: EncAWSKMS, Status: Warn, Note: "aws/lambda: keep secrets out of environment variables"})
				}
			}
		}
	}
	for _, k := range b.keyList {
		sort.Strings(k.Protects)
		if len(k.Protects) == 0 && k.Note == "" {
			k.Note = "encrypts nothing in these templates (may serve grants or other stacks)"
		}
		b.r.Keys = append(b.r.Keys, *k)
	}
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// registeredException returns the reason of the suppression registry's exception to rule (a
// rule name without pack prefix, e.g. "S3DefaultEncryptionKMS") on resource r, when a nag report
// shows the finding suppressed there by a registry entry (one that names its owner).
func (b *builder) registeredException(r *assembly.Resource, rule string) (string, bool) {
	if b.nagRows == nil {
		reports, err := b.a.NagReports()
		if err != nil {
			return "", false
		}
		b.nagRows = assembly.NagRows(reports)
	}
	for _, row := range b.nagRows {
		if row.Stack != r.Stack || row.Resource != r.Path || row.Compliance != assembly.NagSuppressed || !strings.HasSuffix(row.Rule, "-"+rule) {
			continue
		}
		if text, owner := SplitOwner(row.Reason); owner != "" {
			return text + " (owner: " + owner + ")", true
		}
	}
	return "", false
}
