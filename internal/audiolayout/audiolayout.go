// Package audiolayout is the key layout of a tenant's audio bucket, shared by the bucket's
// grants (constructs/audiostore), the erasure tool (cmd/erase/erasure, cmd/erase) and the TTS
// service. Everything that belongs to one voice lives under one prefix, so that erasing a voice
// (its recordings, consent, embeddings and every clip synthesized with it) is one prefix:
//
//	voices/<voiceID>/reference/<uploadID>.<ext>    consented reference recordings
//	voices/<voiceID>/consent/<recordID>.json       the consent record for those recordings
//	voices/<voiceID>/embedding/<modelVersion>.bin  speaker embedding / adapter weights
//	voices/<voiceID>/synth/<jobID>.<ext>           audio synthesized with the voice
//
// Nothing is stored outside voices/. The bucket is one tenant's: the tenant is the bucket,
// not a prefix.
package audiolayout

import (
	"fmt"
	"regexp"
)

// VoicesPrefix is the root of every object the TTS workload reads or writes.
const VoicesPrefix = "voices/"

// MaxVoiceIDLen bounds a voice ID.
const MaxVoiceIDLen = 128

var reVoiceID = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9_-]*$`)

// ValidVoiceID reports whether id can name a voice: 1 to MaxVoiceIDLen letters, digits, '-'
// or '_', starting with a letter or digit. No '/', '.' or '*', so a voice prefix can never
// reach another voice's objects.
func ValidVoiceID(id string) error {
	if len(id) == 0 || len(id) > MaxVoiceIDLen || !reVoiceID.MatchString(id) {
		return fmt.Errorf("voice ID %q is not valid (1-%d letters, digits, '-' or '_', starting with a letter or digit)", id, MaxVoiceIDLen)
	}
	return nil
}

// VoicePrefix is the prefix holding everything of voice id, with its trailing slash.
func VoicePrefix(id string) (string, error) {
	if err := ValidVoiceID(id); err != nil {
		return "", err
	}
	return VoicesPrefix + id + "/", nil
}

// EraseTagKey and EraseTagValue mark object versions for lifecycle erasure: the bucket's
// lifecycle rule for the tag expires a tagged current version one day after its creation and
// deletes a tagged noncurrent version one day after it became noncurrent (cmd/erase -tag-only
// sets the tag on every version under a prefix).
const (
	EraseTagKey   = "voicevault-erase"
	EraseTagValue = "true"
)
