// Package auditqueries turns an environment's CloudTrail log files into answers an auditor can
// get without building anything: a Glue table over the trail bucket's CloudTrail prefix
// (partition projection on region and day: no crawler, no partitions to load), an Athena
// workgroup that enforces its configuration (engine, KMS-encrypted results in a locked-down
// bucket with a lifecycle, a per-query scan cutoff, CloudWatch metrics), the saved (named) queries
// of queries.go, and the managed policy that lets an auditor's role run them.
//
// Glue tables and Athena workgroups and named queries have no L2 constructs in aws-cdk-lib (the
// Glue L2 is the separate alpha module), so they are L1 (CfnDatabase, CfnTable, CfnWorkGroup,
// CfnNamedQuery).
//
// Who may run the queries: a principal of the account whose IAM policies allow the workgroup,
// the table, the trail bucket's CloudTrail prefix, the trail key and the results bucket and key —
// exactly what AuditorPolicy grants (attach it to the auditor's role), or an administrator. The
// trail key lets the account decrypt CloudTrail log files (IAM then decides who), and the results
// key lets the account use it only through S3 in this region.
package auditqueries

import (
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsathena"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsglue"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/aws-cdk-go/awscdk/v2/awskms"
	"github.com/aws/aws-cdk-go/awscdk/v2/awss3"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"

	"github.com/voicevault/voicevault/constructs/kmskey"
	"github.com/voicevault/voicevault/constructs/logbucket"
)

// Defaults.
const (
	DefaultResultsRetentionDays = 30
	// DefaultBytesScannedCutoff stops a query that would scan more than 100 GiB (cost guard).
	DefaultBytesScannedCutoff = 100 << 30
	// EngineVersion is the Athena engine the workgroup enforces.
	EngineVersion = "Athena engine version 3"
)

// Regions are the regions a multi-region trail may write under (AWSLogs/<account>/CloudTrail/<region>/):
// the projection's region values. A region missing here would hide its events from every
// query, so the list is every commercial region; allowed regions are added to it.
var Regions = []string{
	"af-south-1", "ap-east-1", "ap-east-2", "ap-northeast-1", "ap-northeast-2", "ap-northeast-3",
	"ap-south-1", "ap-south-2", "ap-southeast-1", "ap-southeast-2", "ap-southeast-3", "ap-southeast-4",
	"ap-southeast-5", "ap-southeast-7", "ca-central-1", "ca-west-1", "eu-central-1", "eu-central-2",
	"eu-north-1", "eu-south-1", "eu-south-2", "eu-west-1", "eu-west-2", "eu-west-3", "il-central-1",
	"me-central-1", "me-south-1", "mx-central-1", "sa-east-1", "us-east-1", "us-east-2", "us-west-1", "us-west-2",
}

// Props configures the audit queries of one environment.
type Props struct {
	Name        string        // Required. Name prefix, e.g. voicevault-prod: workgroup, database, policy and key derive from it.
	TrailBucket awss3.IBucket // Required. The CloudTrail trail's bucket (logs under AWSLogs/<account>/CloudTrail/).
	TrailKey    awskms.IKey   // Required. The key the trail encrypts its log files with.
	AccessLogs  awss3.IBucket // Required. Receives the results bucket's server access logs.
	// AllowedRegions are the regions API calls may come from. Required.
	AllowedRegions []string
	// AudioBuckets are the environment's tenant audio buckets. Default: none.
	AudioBuckets []string
	// LogRetentionDays is how long the trail bucket keeps log files: the day projection's range.
	// Default: 365.
	LogRetentionDays     int
	ResultsRetentionDays int // Default: DefaultResultsRetentionDays. Query results expire after it.
}

// AuditQueries is the table, the workgroup and the saved queries.
type AuditQueries interface {
	constructs.Construct
	Database() awsglue.CfnDatabase
	Table() awsglue.CfnTable
	WorkGroup() awsathena.CfnWorkGroup
	ResultsBucket() awss3.Bucket
	ResultsKey() awskms.Key
	// AuditorPolicy grants what running the saved queries needs; attach it to the auditor's role.
	AuditorPolicy() awsiam.ManagedPolicy
	// Queries are the environment's saved queries (tenant queries are added by AddTenantQuery).
	Queries() []Query
	// Scope is what the queries are scoped to, for AddTenantQuery in other stacks.
	Scope() Scope
}

type auditQueries struct {
	constructs.Construct
	db      awsglue.CfnDatabase
	table   awsglue.CfnTable
	wg      awsathena.CfnWorkGroup
	results awss3.Bucket
	key     awskms.Key
	policy  awsiam.ManagedPolicy
	queries []Query
	scope   Scope
}

func (c *auditQueries) Database() awsglue.CfnDatabase       { return c.db }
func (c *auditQueries) Table() awsglue.CfnTable             { return c.table }
func (c *auditQueries) WorkGroup() awsathena.CfnWorkGroup   { return c.wg }
func (c *auditQueries) ResultsBucket() awss3.Bucket         { return c.results }
func (c *auditQueries) ResultsKey() awskms.Key              { return c.key }
func (c *auditQueries) AuditorPolicy() awsiam.ManagedPolicy { return c.policy }
func (c *auditQueries) Queries() []Query                    { return slices.Clone(c.queries) }
func (c *auditQueries) Scope() Scope                        { return c.scope }

// WorkGroupName is the Athena workgroup of the environment whose name prefix is name.
func WorkGroupName(name string) string { return name + "-audit" }

// DatabaseName is the Glue database of the environment whose name prefix is name (Glue and
// Athena want lowercase letters, digits and underscores).
func DatabaseName(name string) string { return strings.ReplaceAll(name, "-", "_") + "_audit" }

// AuditorPolicyName is the managed policy that lets a role run the saved queries.
func AuditorPolicyName(name string) string { return name + "-audit-queries" }

// New creates the table, the workgroup, its results bucket and key, the environment's saved
// queries and the auditor policy.
func New(scope constructs.Construct, id string, props Props) AuditQueries {
	if props.Name == "" || props.TrailBucket == nil || props.TrailKey == nil || props.AccessLogs == nil || len(props.AllowedRegions) == 0 {
		panic(fmt.Errorf("audit queries %q: name, trail bucket and key, access-log bucket and allowed regions are required", id))
	}
	retention := props.LogRetentionDays
	if retention == 0 {
		retention = 365
	}
	resultsDays := props.ResultsRetentionDays
	if resultsDays == 0 {
		resultsDays = DefaultResultsRetentionDays
	}
	c := &auditQueries{}
	constructs.NewConstruct_Override(c, scope, jsii.String(id))
	stack := awscdk.Stack_Of(c)
	partition, region, account := *stack.Partition(), *stack.Region(), *stack.Account()
	c.scope = Scope{Database: DatabaseName(props.Name), Table: TableName, AllowedRegions: slices.Clone(props.AllowedRegions), AudioBuckets: slices.Clone(props.AudioBuckets)}

	logs := fmt.Sprintf("s3://%s/AWSLogs/%s/CloudTrail/", *props.TrailBucket.BucketName(), account)
	regions := slices.Clone(Regions)
	for _, r := range props.AllowedRegions {
		if !slices.Contains(regions, r) {
			regions = append(regions, r)
		}
	}
	slices.Sort(regions)

	c.db = awsglue.NewCfnDatabase(c, jsii.String("Database"), &awsglue.CfnDatabaseProps{
		CatalogId: jsii.String(account),
		DatabaseInput: &awsglue.CfnDatabase_DatabaseInputProperty{
			Name:        jsii.String(c.scope.Database),
			Description: jsii.String("VoiceVault " + props.Name + ": CloudTrail audit queries"),
		},
	})
	var cols []interface{}
	for _, col := range Columns {
		cols = append(cols, &awsglue.CfnTable_ColumnProperty{Name: jsii.String(col.Name), Type: jsii.String(col.Type)})
	}
	var keys []interface{}
	for _, col := range PartitionKeys {
		keys = append(keys, &awsglue.CfnTable_ColumnProperty{Name: jsii.String(col.Name), Type: jsii.String(col.Type)})
	}
	c.table = awsglue.NewCfnTable(c, jsii.String("Table"), &awsglue.CfnTableProps{
		CatalogId:    jsii.String(account),
		DatabaseName: jsii.String(c.scope.Database),
		TableInput: &awsglue.CfnTable_TableInputProperty{
			Name:          jsii.String(TableName),
			Description:   jsii.String("CloudTrail log files of the " + props.Name + " trail (schema: Athena docs, Querying AWS CloudTrail logs)"),
			TableType:     jsii.String("EXTERNAL_TABLE"),
			PartitionKeys: &keys,
			Parameters: &map[string]interface{}{
				"EXTERNAL":                        "TRUE",
				"classification":                  "cloudtrail",
				"projection.enabled":              "true",
				"projection.region.type":          "enum",
				"projection.region.values":        strings.Join(regions, ","),
				"projection.day.type":             "date",
				"projection.day.format":           "yyyy/MM/dd",
				"projection.day.interval":         "1",
				"projection.day.interval.unit":    "DAYS",
				"projection.day.range":            "NOW-" + strconv.Itoa(retention) + "DAYS,NOW",
				"storage.location.template":       logs + "${region}/${day}",
				"has_encrypted_data":              "true",
				"projection.region.comment":       "every commercial region (constructs/auditqueries.Regions) plus the allowed ones",
				"voicevault.schema.documentation": "https://docs.aws.amazon.com/athena/latest/ug/create-cloudtrail-table-partition-projection.html",
			},
			StorageDescriptor: &awsglue.CfnTable_StorageDescriptorProperty{
				Columns:      &cols,
				Location:     jsii.String(logs),
				InputFormat:  jsii.String("com.amazon.emr.cloudtrail.CloudTrailInputFormat"),
				OutputFormat: jsii.String("org.apache.hadoop.hive.ql.io.HiveIgnoreKeyTextOutputFormat"),
				SerdeInfo:    &awsglue.CfnTable_SerdeInfoProperty{SerializationLibrary: jsii.String("org.apache.hive.hcatalog.data.JsonSerDe")},
			},
		},
	})
	c.table.AddResourceDependency(c.db, jsii.String("the table is created in the database"))

	c.key = kmskey.New(c, "ResultsKey", kmskey.Props{
		Alias:       strings.ReplaceAll(props.Name, "voicevault-", "voicevault/") + "/audit-results",
		Description: "VoiceVault " + props.Name + ": Athena audit query results",
	})
	// Athena writes and reads results through S3 with the caller's credentials: the account may
	// use the key only through S3 in this region; its IAM policies (AuditorPolicy) say who.
	c.key.AddToResourcePolicy(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
		Sid:        jsii.String("AccountUsesKeyThroughS3ForQueryResults"),
		Actions:    jsii.Strings("kms:Decrypt", "kms:GenerateDataKey*"),
		Principals: &[]awsiam.IPrincipal{awsiam.NewAccountRootPrincipal()},
		Resources:  jsii.Strings("*"),
		Conditions: &map[string]interface{}{"StringEquals": map[string]interface{}{
			"kms:CallerAccount": account,
			"kms:ViaService":    "s3." + region + ".amazonaws.com",
		}},
	}), jsii.Bool(false))
	c.results = logbucket.New(c, "Results", logbucket.Props{
		Key:             c.key,
		AccessLogs:      props.AccessLogs,
		AccessLogPrefix: "athena-results/",
		RetentionDays:   resultsDays,
	})

	c.wg = awsathena.NewCfnWorkGroup(c, jsii.String("WorkGroup"), &awsathena.CfnWorkGroupProps{
		Name:        jsii.String(WorkGroupName(props.Name)),
		Description: jsii.String("VoiceVault " + props.Name + ": auditor queries over CloudTrail (configuration enforced, results KMS-encrypted)"),
		State:       jsii.String("ENABLED"),
		WorkGroupConfiguration: &awsathena.CfnWorkGroup_WorkGroupConfigurationProperty{
			EnforceWorkGroupConfiguration:   jsii.Bool(true),
			PublishCloudWatchMetricsEnabled: jsii.Bool(true),
			BytesScannedCutoffPerQuery:      jsii.Number(DefaultBytesScannedCutoff),
			EngineVersion:                   &awsathena.CfnWorkGroup_EngineVersionProperty{SelectedEngineVersion: jsii.String(EngineVersion)},
			ResultConfiguration: &awsathena.CfnWorkGroup_ResultConfigurationProperty{
				OutputLocation:      jsii.String("s3://" + *c.results.BucketName() + "/results/"),
				ExpectedBucketOwner: jsii.String(account),
				EncryptionConfiguration: &awsathena.CfnWorkGroup_EncryptionConfigurationProperty{
					EncryptionOption: jsii.String("SSE_KMS"),
					KmsKey:           c.key.KeyArn(),
				},
			},
		},
	})

	c.queries = EnvironmentQueries(c.scope)
	for _, q := range c.queries {
		namedQuery(c, q.Name, c.scope, c.wg.Name(), q).AddResourceDependency(c.wg, jsii.String("the query is saved in the workgroup"))
	}

	workgroupARN := fmt.Sprintf("arn:%s:athena:%s:%s:workgroup/%s", partition, region, account, WorkGroupName(props.Name))
	catalog := fmt.Sprintf("arn:%s:glue:%s:%s:", partition, region, account)
	c.policy = awsiam.NewManagedPolicy(c, jsii.String("AuditorPolicy"), &awsiam.ManagedPolicyProps{
		ManagedPolicyName: jsii.String(AuditorPolicyName(props.Name)),
		Description:       jsii.String("VoiceVault " + props.Name + ": run the saved CloudTrail audit queries in workgroup " + WorkGroupName(props.Name) + " (attach to the auditor's role)"),
		Statements: &[]awsiam.PolicyStatement{
			awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
				Sid:       jsii.String("RunQueriesInTheAuditWorkGroup"),
				Actions:   jsii.Strings("athena:StartQueryExecution", "athena:StopQueryExecution", "athena:GetQueryExecution", "athena:GetQueryResults", "athena:GetWorkGroup", "athena:GetNamedQuery", "athena:ListNamedQueries", "athena:BatchGetNamedQuery", "athena:ListQueryExecutions"),
				Resources: jsii.Strings(workgroupARN),
			}),
			awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
				Sid:       jsii.String("ReadTheCloudTrailTable"),
				Actions:   jsii.Strings("glue:GetDatabase", "glue:GetTable", "glue:GetPartition", "glue:GetPartitions"),
				Resources: jsii.Strings(catalog+"catalog", catalog+"database/"+c.scope.Database, catalog+"table/"+c.scope.Database+"/"+TableName),
			}),
			awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
				Sid:       jsii.String("ReadCloudTrailLogFiles"),
				Actions:   jsii.Strings("s3:GetObject"),
				Resources: jsii.Strings(*props.TrailBucket.ArnForObjects(jsii.String("AWSLogs/" + account + "/CloudTrail/*"))),
			}),
			awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
				Sid:       jsii.String("ListCloudTrailLogFiles"),
				Actions:   jsii.Strings("s3:ListBucket", "s3:GetBucketLocation"),
				Resources: jsii.Strings(*props.TrailBucket.BucketArn()),
			}),
			awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
				Sid:       jsii.String("DecryptCloudTrailLogFiles"),
				Actions:   jsii.Strings("kms:Decrypt"),
				Resources: jsii.Strings(*props.TrailKey.KeyArn()),
			}),
			awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
				Sid:       jsii.String("WriteAndReadQueryResults"),
				Actions:   jsii.Strings("s3:GetObject", "s3:PutObject", "s3:AbortMultipartUpload", "s3:ListMultipartUploadParts"),
				Resources: jsii.Strings(*c.results.ArnForObjects(jsii.String("results/*"))),
			}),
			awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
				Sid:       jsii.String("ListQueryResults"),
				Actions:   jsii.Strings("s3:ListBucket", "s3:GetBucketLocation", "s3:ListBucketMultipartUploads"),
				Resources: jsii.Strings(*c.results.BucketArn()),
			}),
			awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
				Sid:       jsii.String("EncryptQueryResults"),
				Actions:   jsii.Strings("kms:Decrypt", "kms:GenerateDataKey"),
				Resources: jsii.Strings(*c.key.KeyArn()),
			}),
		},
	})
	return c
}

// AddTenantQuery adds the saved query of one tenant (TenantQuery) to scope — the tenant's own
// stack, so that the platform stack does not grow with the tenants — in the environment's
// workgroup and database, named by WorkGroupName and s.Database (the platform creates them).
func AddTenantQuery(scope constructs.Construct, id string, s Scope, workGroup, tenant, bucket string) Query {
	q := TenantQuery(s, tenant, bucket)
	namedQuery(scope, id, s, jsii.String(workGroup), q)
	return q
}

func namedQuery(scope constructs.Construct, id string, s Scope, workGroup *string, q Query) awsathena.CfnNamedQuery {
	return awsathena.NewCfnNamedQuery(scope, jsii.String(id), &awsathena.CfnNamedQueryProps{
		Name:        jsii.String(q.Name),
		Description: jsii.String(truncate(q.Answers, 1024)),
		Database:    jsii.String(s.Database),
		WorkGroup:   workGroup,
		QueryString: jsii.String(q.SQL),
	})
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n]
}
