package auditqueries

import (
	"fmt"
	"strings"
)

// Column is one column of the CloudTrail table: its name and Hive type.
type Column struct {
	Name string
	Type string
}

// Columns are the CloudTrail log columns, as the Athena documentation declares them: "Create the
// table for CloudTrail logs in Athena using partition projection"
// (https://docs.aws.amazon.com/athena/latest/ug/create-cloudtrail-table-partition-projection.html),
// names lowercased as Athena stores them. Every query of this package is checked against them.
var Columns = []Column{
	{"eventversion", "string"},
	{"useridentity", "struct<type:string,principalid:string,arn:string,accountid:string,invokedby:string,accesskeyid:string,username:string," +
		"onbehalfof:struct<userid:string,identitystorearn:string>," +
		"sessioncontext:struct<attributes:struct<mfaauthenticated:string,creationdate:string>," +
		"sessionissuer:struct<type:string,principalid:string,arn:string,accountid:string,username:string>," +
		"ec2roledelivery:string,webidfederationdata:struct<federatedprovider:string,attributes:map<string,string>>>>"},
	{"eventtime", "string"},
	{"eventsource", "string"},
	{"eventname", "string"},
	{"awsregion", "string"},
	{"sourceipaddress", "string"},
	{"useragent", "string"},
	{"errorcode", "string"},
	{"errormessage", "string"},
	{"requestparameters", "string"},
	{"responseelements", "string"},
	{"additionaleventdata", "string"},
	{"requestid", "string"},
	{"eventid", "string"},
	{"readonly", "string"},
	{"resources", "array<struct<arn:string,accountid:string,type:string>>"},
	{"eventtype", "string"},
	{"apiversion", "string"},
	{"recipientaccountid", "string"},
	{"serviceeventdetails", "string"},
	{"sharedeventid", "string"},
	{"vpcendpointid", "string"},
	{"vpcendpointaccountid", "string"},
	{"eventcategory", "string"},
	{"addendum", "struct<reason:string,updatedfields:string,originalrequestid:string,originaleventid:string>"},
	{"sessioncredentialfromconsole", "string"},
	{"edgedevicedetails", "string"},
	{"tlsdetails", "struct<tlsversion:string,ciphersuite:string,clientprovidedhostheader:string>"},
}

// Partition keys of the table, projected (no crawler, no ALTER TABLE ADD PARTITION): the region
// prefix CloudTrail writes under and the day, as yyyy/MM/dd.
const (
	RegionPartition = "region"
	DayPartition    = "day"
)

// PartitionKeys are the table's partition columns, in path order.
var PartitionKeys = []Column{{RegionPartition, "string"}, {DayPartition, "string"}}

// HasPath reports whether a dotted column reference (e.g. useridentity.sessioncontext.sessionissuer.arn)
// names a column or a nested struct field of the table, partition keys included.
func HasPath(path string) bool {
	parts := strings.Split(strings.ToLower(path), ".")
	for _, c := range append(append([]Column{}, Columns...), PartitionKeys...) {
		if c.Name != parts[0] {
			continue
		}
		typ := c.Type
		for _, field := range parts[1:] {
			fields, ok := structFields(typ)
			if !ok {
				return false
			}
			if typ, ok = fields[field]; !ok {
				return false
			}
		}
		return true
	}
	return false
}

// structFields parses the field list of a Hive struct<...> type.
func structFields(typ string) (map[string]string, bool) {
	inner, ok := strings.CutPrefix(typ, "struct<")
	if !ok || !strings.HasSuffix(inner, ">") {
		return nil, false
	}
	inner = strings.TrimSuffix(inner, ">")
	out := map[string]string{}
	depth, start := 0, 0
	for i := 0; i <= len(inner); i++ {
		if i < len(inner) {
			switch inner[i] {
			case '<':
				depth++
				continue
			case '>':
				depth--
				continue
			case ',':
				if depth > 0 {
					continue
				}
			default:
				continue
			}
		}
		name, t, found := strings.Cut(inner[start:i], ":")
		if !found {
			panic(fmt.Errorf("auditqueries: malformed struct field %q", inner[start:i]))
		}
		out[name] = t
		start = i + 1
	}
	return out, true
}
