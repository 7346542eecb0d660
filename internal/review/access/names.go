package access

// In names a resource of another construct of the same or another stack: ${STACK/ID}.
func In(stack, logicalID string) string { return "${" + stack + "/" + logicalID + "}" }

// RefIn is In as ${STACK/ID.Ref}.
func RefIn(stack, logicalID string) string { return "${" + stack + "/" + logicalID + ".Ref}" }

// BucketARN is the ARN of a bucket (or, with key, of an object).
func BucketARN(bucket string, key ...string) string {
	out := "arn:aws:s3:::" + bucket
	for _, k := range key {
		out += "/" + k
	}
	return out
}
