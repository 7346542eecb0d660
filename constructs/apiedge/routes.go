package apiedge

import (
	"regexp"

	"github.com/aws/aws-cdk-go/awscdk/v2/awsapigateway"
	"github.com/aws/jsii-runtime-go"
)

// Route is one method of the TTS API.
type Route struct {
	Method    string
	Path      string   // with {param} segments
	Operation string   // OpenAPI-style operation name
	Model     string   // request body model; "" for methods without a body
	Query     []string // optional query string parameters passed to the backend
}

var reParam = regexp.MustCompile(`\{([A-Za-z0-9]+)\}`)

// PathParams are the route's path parameters, in order.
func (r Route) PathParams() []string {
	var out []string
	for _, m := range reParam.FindAllStringSubmatch(r.Path, -1) {
		out = append(out, m[1])
	}
	return out
}

// Routes is the TTS API. Reference voice audio never passes through it: CreateVoice answers with
// a presigned S3 upload URL for the declared content type and size.
func Routes() []Route {
	return []Route{
		{Method: "POST", Path: "/v1/syntheses", Operation: "CreateSynthesis", Model: "CreateSynthesisRequest"},
		{Method: "GET", Path: "/v1/syntheses/{synthesisId}", Operation: "GetSynthesis"},
		{Method: "POST", Path: "/v1/voices", Operation: "CreateVoice", Model: "CreateVoiceRequest"},
		{Method: "GET", Path: "/v1/voices", Operation: "ListVoices", Query: []string{"limit", "nextToken"}},
		{Method: "GET", Path: "/v1/voices/{voiceId}", Operation: "GetVoice"},
		{Method: "DELETE", Path: "/v1/voices/{voiceId}", Operation: "DeleteVoice"},
	}
}

// ModelSpec is a request model.
type ModelSpec struct {
	Name        string
	Description string
	Schema      *awsapigateway.JsonSchema
}

const (
	idPattern       = `^[A-Za-z0-9_-]{1,64}$`
	languagePattern = `^[A-Za-z]{2,3}(-[A-Za-z0-9]{2,8}){0,3}$` // BCP 47, e.g. en-GB
)

// Models are the request bodies. Every object forbids unknown properties and bounds every string.
func Models() []ModelSpec {
	str := func(minLen, maxLen int, pattern string) *awsapigateway.JsonSchema {
		s := &awsapigateway.JsonSchema{Type: awsapigateway.JsonSchemaType_STRING, MinLength: jsii.Number(float64(minLen)), MaxLength: jsii.Number(float64(maxLen))}
		if pattern != "" {
			s.Pattern = jsii.String(pattern)
		}
		return s
	}
	enum := func(typ awsapigateway.JsonSchemaType, values ...interface{}) *awsapigateway.JsonSchema {
		return &awsapigateway.JsonSchema{Type: typ, Enum: &values}
	}
	object := func(title string, required []string, props map[string]*awsapigateway.JsonSchema) *awsapigateway.JsonSchema {
		return &awsapigateway.JsonSchema{
			Schema:               awsapigateway.JsonSchemaVersion_DRAFT4,
			Title:                jsii.String(title),
			Type:                 awsapigateway.JsonSchemaType_OBJECT,
			Required:             jsii.Strings(required...),
			AdditionalProperties: jsii.Bool(false),
			Properties:           &props,
		}
	}
	return []ModelSpec{
		{
			Name:        "CreateSynthesisRequest",
			Description: "Synthesize text with one of the tenant's voices",
			Schema: object("CreateSynthesisRequest", []string{"text", "voiceId"}, map[string]*awsapigateway.JsonSchema{
				"text":         str(1, MaxSynthesisTextChars, ""),
				"voiceId":      str(1, 64, idPattern),
				"language":     str(2, 35, languagePattern),
				"format":       enum(awsapigateway.JsonSchemaType_STRING, "mp3", "wav", "ogg_opus", "pcm"),
				"sampleRateHz": enum(awsapigateway.JsonSchemaType_INTEGER, 16000, 22050, 24000, 44100, 48000),
				"speed":        {Type: awsapigateway.JsonSchemaType_NUMBER, Minimum: jsii.Number(0.5), Maximum: jsii.Number(2)},
			}),
		},
		{
			Name:        "CreateVoiceRequest",
			Description: "Register a reference voice; the audio is uploaded to the returned presigned URL",
			Schema: object("CreateVoiceRequest", []string{"name", "consentReference", "contentType", "sizeBytes"}, map[string]*awsapigateway.JsonSchema{
				"name":             str(1, MaxVoiceNameChars, ""),
				"description":      str(0, MaxDescriptionChars, ""),
				"consentReference": str(1, 128, `^[A-Za-z0-9._:/-]{1,128}$`),
				"language":         str(2, 35, languagePattern),
				"contentType":      enum(awsapigateway.JsonSchemaType_STRING, "audio/wav", "audio/mpeg", "audio/flac", "audio/ogg"),
				"sizeBytes":        {Type: awsapigateway.JsonSchemaType_INTEGER, Minimum: jsii.Number(1), Maximum: jsii.Number(MaxAudioUploadBytes)},
			}),
		},
	}
}
