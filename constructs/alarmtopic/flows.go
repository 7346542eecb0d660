package alarmtopic

import (
	"github.com/voicevault/voicevault/internal/flowscope"
	"github.com/voicevault/voicevault/internal/review/access"
)

// Flows are the requests of the alarm topic's publishers: CloudWatch alarms and EventBridge rules
// of this account publish to the encrypted topic (the topic and its key admit them by service
// principal and source account); another account's alarms do not.
func Flows(s flowscope.Scope) []access.Flow {
	topic := s.RefOf("Topic")
	key := s.Res("Key")
	var out []access.Flow
	for _, p := range []struct{ service, what, source string }{
		{"cloudwatch.amazonaws.com", "CloudWatch alarms", s.ARN("cloudwatch", "alarm:voicevault-"+s.Env.Name+"-x")},
		{"events.amazonaws.com", "EventBridge rules", s.ARN("events", "rule/voicevault-"+s.Env.Name+"-guardduty-findings")},
	} {
		ctx := map[string]string{"aws:SourceAccount": s.Env.Account, "aws:SourceArn": p.source}
		out = append(out,
			access.Flow{Owner: "alarmtopic", Name: p.what + " publish to the alarm topic", Principal: p.service, Action: "sns:Publish", Resource: topic, Context: ctx, Expect: access.Allow},
			access.Flow{Owner: "alarmtopic", Name: p.what + " encrypt with the alarm key", Principal: p.service, Action: "kms:GenerateDataKey", Resource: key, Context: ctx, Expect: access.Allow},
			access.Flow{Owner: "alarmtopic", Name: p.what + " decrypt with the alarm key", Principal: p.service, Action: "kms:Decrypt", Resource: key, Context: ctx, Expect: access.Allow},
		)
	}
	out = append(out, access.Flow{Owner: "alarmtopic", Name: "another account's alarms publish to the alarm topic", Principal: "cloudwatch.amazonaws.com", Action: "sns:Publish", Resource: topic,
		Context: map[string]string{"aws:SourceAccount": "999999999999", "aws:SourceArn": "arn:aws:cloudwatch:" + s.Env.Region + ":999999999999:alarm:x"}, Expect: access.Deny,
		Why: "confused deputy: only this account's alarms"})
	return out
}
