package auditqueries

import (
	"fmt"
	"slices"
	"strings"
)

// Query is one saved Athena query an auditor runs as it is.
type Query struct {
	Name     string // Named query name, unique in the workgroup.
	Answers  string // The question it answers, for the evidence pack.
	SQL      string
	Tenant   string // The tenant it is about; "" for the environment's queries.
	Evidence string // What in its result is the evidence (fields an auditor quotes).
}

// Scope is what the queries are about: names that follow from the configuration.
type Scope struct {
	Database       string   // Glue database name.
	Table          string   // Default: TableName.
	AllowedRegions []string // Regions API calls may come from.
	AudioBuckets   []string // Every tenant audio bucket of the environment (the trail's data-event buckets).
	WindowDays     int      // How far back the queries look. Default: DefaultWindowDays.
}

// TableName is the CloudTrail table's name in its database.
const TableName = "cloudtrail"

// DefaultWindowDays is how many days back the saved queries look: a partition filter on day
// keeps a query's scan (and cost) bounded. Edit the number in a copy to look further back.
const DefaultWindowDays = 90

// SecurityEvents are the calls that change the environment's security configuration, by event
// source: the named query security-configuration-changes lists every one of them.
var SecurityEvents = []struct {
	Source string
	Events []string
}{
	{"kms.amazonaws.com", []string{"PutKeyPolicy", "DisableKey", "ScheduleKeyDeletion", "CancelKeyDeletion", "DisableKeyRotation", "EnableKeyRotation", "DeleteAlias", "UpdateAlias", "CreateGrant", "RevokeGrant"}},
	{"cloudtrail.amazonaws.com", []string{"CreateTrail", "UpdateTrail", "DeleteTrail", "StopLogging", "StartLogging", "PutEventSelectors", "PutInsightSelectors"}},
	{"guardduty.amazonaws.com", []string{"CreateDetector", "UpdateDetector", "DeleteDetector", "UpdateMalwareScanSettings", "DeletePublishingDestination", "UpdatePublishingDestination", "CreateFilter", "UpdateFilter", "DeleteFilter", "DisassociateFromAdministratorAccount", "CreateIPSet", "UpdateIPSet"}},
	{"iam.amazonaws.com", []string{"PutRolePermissionsBoundary", "DeleteRolePermissionsBoundary", "PutUserPermissionsBoundary", "DeleteUserPermissionsBoundary", "CreatePolicyVersion", "SetDefaultPolicyVersion", "DeletePolicyVersion", "AttachRolePolicy", "DetachRolePolicy", "PutRolePolicy", "DeleteRolePolicy", "UpdateAssumeRolePolicy", "CreateRole", "DeleteRole", "CreateUser", "CreateAccessKey"}},
	{"wafv2.amazonaws.com", []string{"CreateWebACL", "UpdateWebACL", "DeleteWebACL", "AssociateWebACL", "DisassociateWebACL", "PutLoggingConfiguration", "DeleteLoggingConfiguration", "UpdateIPSet", "UpdateRuleGroup", "DeleteRuleGroup"}},
	{"config.amazonaws.com", []string{"StopConfigurationRecorder", "DeleteConfigurationRecorder", "DeleteDeliveryChannel", "PutConfigurationRecorder", "PutDeliveryChannel"}},
	{"securityhub.amazonaws.com", []string{"DisableSecurityHub", "BatchDisableStandards", "UpdateStandardsControl"}},
	{"s3.amazonaws.com", []string{"PutBucketPolicy", "DeleteBucketPolicy", "PutBucketPublicAccessBlock", "DeleteBucketPublicAccessBlock", "PutBucketEncryption", "DeleteBucketEncryption", "PutBucketVersioning", "PutBucketLifecycle", "PutBucketLogging"}},
}

// principal is the caller as an auditor names it: the role behind an assumed-role session, else
// the identity's ARN.
const principal = "coalesce(useridentity.sessioncontext.sessionissuer.arn, useridentity.arn, useridentity.invokedby)"

// EnvironmentQueries are the environment's saved queries, in the order of the evidence pack.
func EnvironmentQueries(s Scope) []Query {
	s = s.withDefaults()
	from := s.from()
	window := s.window()
	audio := sqlList(s.AudioBuckets)
	if len(s.AudioBuckets) == 0 {
		audio = "''" // no tenant yet: the erasure query returns nothing
	}
	var sec []string
	for _, se := range SecurityEvents {
		sec = append(sec, fmt.Sprintf("(eventsource = '%s' AND eventname IN (%s))", se.Source, sqlList(se.Events)))
	}
	return []Query{
		{
			Name:    "audio-erasures",
			Answers: "Every deletion of tenant audio (DeleteObject, DeleteObjects; a versioned delete is a DeleteObject with a versionId — the s3:DeleteObjectVersion permission), by whom, from where, and whether it succeeded",
			SQL: fmt.Sprintf(`SELECT eventtime, json_extract_scalar(requestparameters, '$.bucketName') AS bucket,
  json_extract_scalar(requestparameters, '$.key') AS object_key,
  json_extract_scalar(requestparameters, '$.versionId') AS version_id,
  eventname, %s AS principal, sourceipaddress, vpcendpointid, useragent,
  errorcode, eventid, requestid
FROM %s
WHERE %s
  AND eventsource = 's3.amazonaws.com' AND eventcategory = 'Data'
  AND eventname IN ('DeleteObject', 'DeleteObjects')
  AND json_extract_scalar(requestparameters, '$.bucketName') IN (%s)
ORDER BY eventtime`, principal, from, window, audio),
			Evidence: "eventid and requestid identify the CloudTrail record (its log file is covered by log file validation: aws cloudtrail validate-logs); errorcode empty means the deletion succeeded",
		},
		{
			Name:    "access-denied-by-principal",
			Answers: "Which principals were refused, how often, for which calls and from which addresses",
			SQL: fmt.Sprintf(`SELECT %s AS principal, eventsource, eventname, errorcode,
  count(*) AS denials, min(eventtime) AS first_seen, max(eventtime) AS last_seen,
  array_agg(DISTINCT sourceipaddress) AS source_addresses
FROM %s
WHERE %s
  AND (errorcode LIKE '%%AccessDenied%%' OR errorcode LIKE '%%UnauthorizedOperation%%' OR errorcode = 'Forbidden')
GROUP BY 1, 2, 3, 4
ORDER BY denials DESC`, principal, from, window),
			Evidence: "principal, call and count of each refusal; first_seen and last_seen bound it in time",
		},
		{
			Name:    "foreign-region-calls",
			Answers: "API calls recorded in regions outside the environment's allowed list (" + strings.Join(s.AllowedRegions, ", ") + ")",
			SQL: fmt.Sprintf(`SELECT awsregion, %s AS principal, eventsource, eventname, sourceipaddress, useragent,
  count(*) AS calls, min(eventtime) AS first_seen, max(eventtime) AS last_seen
FROM %s
WHERE %s
  AND region NOT IN (%s) AND awsregion NOT IN (%s)
GROUP BY 1, 2, 3, 4, 5, 6
ORDER BY calls DESC`, principal, from, window, sqlList(s.AllowedRegions), sqlList(s.AllowedRegions)),
			Evidence: "awsregion and principal of each call; an empty result is the evidence that nothing ran elsewhere",
		},
		{
			Name:    "security-configuration-changes",
			Answers: "Changes to security configuration: KMS key policies, disabling and deletion; CloudTrail trails and logging; GuardDuty detectors; IAM boundaries and policies; WAF web ACLs; AWS Config; Security Hub; bucket policies and encryption",
			SQL: fmt.Sprintf(`SELECT eventtime, eventsource, eventname, %s AS principal, sourceipaddress, useragent,
  errorcode, requestparameters, eventid
FROM %s
WHERE %s
  AND (%s)
ORDER BY eventtime`, principal, from, window, strings.Join(sec, "\n    OR ")),
			Evidence: "each change with its caller and parameters; changes made by the CloudFormation execution role come from a reviewed deployment",
		},
	}
}

// TenantQuery is the saved query of one tenant: every read, write and delete of its audio.
func TenantQuery(s Scope, tenant, bucket string) Query {
	s = s.withDefaults()
	return Query{
		Name:    TenantQueryName(tenant),
		Tenant:  tenant,
		Answers: "Who read, wrote or deleted tenant " + tenant + "'s audio (bucket " + bucket + "), and from where (address, VPC endpoint, client)",
		SQL: fmt.Sprintf(`SELECT eventtime, eventname, %s AS principal,
  json_extract_scalar(requestparameters, '$.key') AS object_key,
  json_extract_scalar(requestparameters, '$.versionId') AS version_id,
  sourceipaddress, vpcendpointid, useragent, errorcode, eventid
FROM %s
WHERE %s
  AND eventsource = 's3.amazonaws.com' AND eventcategory = 'Data'
  AND json_extract_scalar(requestparameters, '$.bucketName') = '%s'
ORDER BY eventtime`, principal, s.from(), s.window(), bucket),
		Evidence: "one row per object-level call on the tenant's bucket: principal, address, VPC endpoint and outcome",
	}
}

// TenantQueryName is the name of a tenant's saved query.
func TenantQueryName(tenant string) string { return "tenant-" + tenant + "-audio-access" }

func (s Scope) withDefaults() Scope {
	if s.Table == "" {
		s.Table = TableName
	}
	if s.WindowDays == 0 {
		s.WindowDays = DefaultWindowDays
	}
	s.AudioBuckets = slices.Clone(s.AudioBuckets)
	return s
}

func (s Scope) from() string { return fmt.Sprintf(`"%s"."%s"`, s.Database, s.Table) }

func (s Scope) window() string {
	return fmt.Sprintf("day >= date_format(current_date - interval '%d' day, '%%Y/%%m/%%d')", s.WindowDays)
}

// sqlList quotes values as a SQL list of string literals. The values come from the validated
// configuration (region, bucket and event names: no quotes).
func sqlList(v []string) string {
	q := make([]string, len(v))
	for i, s := range v {
		if strings.ContainsAny(s, `'\`) {
			panic(fmt.Errorf("auditqueries: %q can't be a SQL literal", s))
		}
		q[i] = "'" + s + "'"
	}
	return strings.Join(q, ", ")
}
