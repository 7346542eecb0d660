package authz

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"unicode/utf8"
)

// jsonNumber is how decodeObject returns numbers.
type jsonNumber = json.Number

// maxJSONDepth bounds the nesting of a JOSE header or claims set.
const maxJSONDepth = 16

var (
	errNotUTF8       = errors.New("not UTF-8")
	errNotObject     = errors.New("not a JSON object")
	errDuplicateName = errors.New("duplicate member name")
	errTooDeep       = errors.New("nested too deeply")
)

// decodeObject parses a JOSE header or JWT claims set: valid UTF-8 holding
// exactly one JSON object (RFC 7515 §5.2 step 3, RFC 7519 §7.2 steps 4 and 10)
// in which no object, at any depth, names a member twice. RFC 7515 §4 and RFC
// 7519 §4 let a parser either reject duplicate names or keep the last one;
// this one rejects them, so no two parsers can read one token differently.
// Member names are compared exactly (case-sensitively): unlike decoding into
// a Go struct, a map never matches "ALG" to "alg". Numbers are jsonNumber.
func decodeObject(b []byte) (map[string]any, error) {
	if !utf8.Valid(b) {
		return nil, errNotUTF8
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	v, err := decodeValue(dec, 0)
	if err != nil {
		return nil, err
	}
	obj, ok := v.(map[string]any)
	if !ok {
		return nil, errNotObject
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, errors.New("data after the JSON object")
	}
	return obj, nil
}

func decodeValue(dec *json.Decoder, depth int) (any, error) {
	if depth > maxJSONDepth {
		return nil, errTooDeep
	}
	tok, err := dec.Token()
	if err != nil {
		return nil, err
	}
	d, ok := tok.(json.Delim)
	if !ok {
		return tok, nil // string, json.Number, bool or nil
	}
	switch d {
	case '{':
		m := map[string]any{}
		for dec.More() {
			k, err := dec.Token()
			if err != nil {
				return nil, err
			}
			name := k.(string) // the decoder only yields strings as member names
			if _, dup := m[name]; dup {
				return nil, errDuplicateName
			}
			if m[name], err = decodeValue(dec, depth+1); err != nil {
				return nil, err
			}
		}
		_, err = dec.Token() // '}'
		return m, err
	case '[':
		a := []any{}
		for dec.More() {
			v, err := decodeValue(dec, depth+1)
			if err != nil {
				return nil, err
			}
			a = append(a, v)
		}
		_, err = dec.Token() // ']'
		return a, err
	}
	return nil, errors.New("unexpected JSON delimiter")
}
