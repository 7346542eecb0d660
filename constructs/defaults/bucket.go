package defaults

import (
	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awss3"
	"github.com/aws/jsii-runtime-go"
)

// Bucket sets the settings every VoiceVault bucket shares whatever it stores on p and returns it:
// public access blocked, ACLs off (bucket owner enforced), TLS 1.2+ only, versioning, and retained
// when its stack is deleted. Encryption, names, logging and lifecycle stay with the construct that
// knows what the bucket holds.
func Bucket(p *awss3.BucketProps) *awss3.BucketProps {
	p.BlockPublicAccess = awss3.BlockPublicAccess_BLOCK_ALL()
	p.ObjectOwnership = awss3.ObjectOwnership_BUCKET_OWNER_ENFORCED
	p.EnforceSSL = jsii.Bool(true)
	p.MinimumTLSVersion = jsii.Number(1.2)
	p.Versioned = jsii.Bool(true)
	p.RemovalPolicy = awscdk.RemovalPolicy_RETAIN_ON_UPDATE_OR_DELETE
	return p
}
