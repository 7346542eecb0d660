package authorizerfn

import "encoding/json"

var jsonMarshal = json.Marshal
