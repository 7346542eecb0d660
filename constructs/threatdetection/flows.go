package threatdetection

import (
	"github.com/voicevault/voicevault/internal/flowscope"
	"github.com/voicevault/voicevault/internal/review/access"
	"github.com/voicevault/voicevault/naming"
)

// Flows are the requests of GuardDuty through its service-linked roles (their AWS managed
// policies): the detector reads the environment (instances, EKS add-on for runtime monitoring),
// and Malware Protection for EC2 snapshots node volumes, which are encrypted with the platform
// key, so it needs grants on that key. key is the platform key (${STACK/ID}), cluster the EKS
// cluster (${STACK/ID}).
func Flows(s flowscope.Scope, key, cluster string) []access.Flow {
	var detector, malware string
	for _, r := range access.ServiceLinkedRoles {
		switch r.Name {
		case "AWSServiceRoleForAmazonGuardDuty":
			detector = access.ServiceLinkedRoleARN(s.Env.Account, r)
		case "AWSServiceRoleForAmazonGuardDutyMalwareProtection":
			malware = access.ServiceLinkedRoleARN(s.Env.Account, r)
		}
	}
	snapshot := map[string]string{"kms:GrantIsForAWSResource": "true", "kms:EncryptionContext:aws:ebs:id": "snap-0123456789abcdef0"}
	return []access.Flow{
		{Owner: "threatdetection", Name: "GuardDuty lists instances", Principal: detector, Action: "ec2:DescribeInstances", Resource: "*", Expect: access.Allow},
		{Owner: "threatdetection", Name: "GuardDuty runtime monitoring manages its EKS add-on", Principal: detector, Action: "eks:UpdateAddon",
			Resource: s.ARN("eks", "addon/"+naming.Cluster(s.Env.Name)+"/aws-guardduty-agent/abc"), Expect: access.Allow},
		{Owner: "threatdetection", Name: "GuardDuty malware scan snapshots a node volume", Principal: malware, Action: "ec2:CreateSnapshot", Resource: s.ARN("ec2", "volume/vol-0123456789abcdef0"), Expect: access.Allow},
		{Owner: "threatdetection", Name: "GuardDuty malware scan grants itself the platform key for a node volume's snapshot", Principal: malware, Action: "kms:CreateGrant", Resource: key,
			Context: snapshot, Expect: access.Allow},
		{Owner: "threatdetection", Name: "GuardDuty malware scan re-encrypts a node volume's snapshot", Principal: malware, Action: "kms:ReEncryptFrom", Resource: key,
			Context: map[string]string{"kms:ViaService": s.Via("ec2")}, Expect: access.Allow},
		{Owner: "threatdetection", Name: "GuardDuty malware scan describes the platform key", Principal: malware, Action: "kms:DescribeKey", Resource: key, Expect: access.Allow},
		{Owner: "threatdetection", Name: "GuardDuty malware scan decrypts with the platform key outside EC2", Principal: malware, Action: "kms:Decrypt", Resource: key, Expect: access.Deny,
			Why: "the scan uses the key only through grants for EBS"},
	}
}
