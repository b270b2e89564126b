package sandbox

// This file stands in for internal/spec until the generated catalog lands. It mirrors the
// catalog's exported API (see ARCHITECTURE.md) for the handful of operations the first
// sandbox serves, so switching to the real catalog is a matter of deleting this file.

import (
	"net/url"
	"slices"
	"strconv"
	"strings"
)

type Operation struct {
	ID, Method, Path, Tag string
	Deprecated            bool
	Params                []Param
	RequestSchema         string
	SuccessStatus         int
	ResponseSchema        string
	MediaType             string
}

type Param struct {
	Name, Type      string
	Array, Required bool
	Enum            []string
	Maximum         int
}

type Problem struct{ Parameter, Code, Detail string }

type Field struct {
	Type, Format string
	Enum         []string
	Items        *Field
	Properties   map[string]*Field
	Required     []string
}

type Relation struct {
	ToMany bool
	Type   string
}

type ResourceType struct {
	Type, Schema  string
	Attributes    map[string]*Field
	Relationships map[string]Relation
}

type Body struct {
	Schema, Type          string
	IDRequired            bool
	Attributes            map[string]*Field
	RequiredAttributes    []string
	Relationships         map[string]Relation
	RequiredRelationships []string
}

var str = &Field{Type: "string"}

var stubResources = map[string]*ResourceType{
	"apps": {Type: "apps", Schema: "App", Attributes: map[string]*Field{
		"name": str, "bundleId": str, "sku": str, "primaryLocale": str,
		"isOrEverWasMadeForKids":   {Type: "boolean"},
		"contentRightsDeclaration": {Type: "string", Enum: []string{"DOES_NOT_USE_THIRD_PARTY_CONTENT", "USES_THIRD_PARTY_CONTENT"}},
	}, Relationships: map[string]Relation{"appInfos": {ToMany: true, Type: "appInfos"}}},
	"appInfos": {Type: "appInfos", Schema: "AppInfo", Attributes: map[string]*Field{
		"state": {Type: "string", Enum: []string{"ACCEPTED", "PREPARE_FOR_SUBMISSION", "READY_FOR_DISTRIBUTION", "WAITING_FOR_REVIEW"}},
	}, Relationships: map[string]Relation{"app": {Type: "apps"}, "appInfoLocalizations": {ToMany: true, Type: "appInfoLocalizations"}}},
	"appInfoLocalizations": {Type: "appInfoLocalizations", Schema: "AppInfoLocalization", Attributes: map[string]*Field{
		"locale": str, "name": str, "subtitle": str, "privacyPolicyUrl": str, "privacyChoicesUrl": str, "privacyPolicyText": str,
	}, Relationships: map[string]Relation{"appInfo": {Type: "appInfos"}}},
}

var stubBodies = map[string]*Body{
	"AppInfoLocalizationCreateRequest": {Schema: "AppInfoLocalizationCreateRequest", Type: "appInfoLocalizations",
		Attributes:         map[string]*Field{"locale": str, "name": str, "subtitle": str, "privacyPolicyUrl": str, "privacyChoicesUrl": str, "privacyPolicyText": str},
		RequiredAttributes: []string{"locale", "name"}, Relationships: map[string]Relation{"appInfo": {Type: "appInfos"}}, RequiredRelationships: []string{"appInfo"}},
	"AppInfoLocalizationUpdateRequest": {Schema: "AppInfoLocalizationUpdateRequest", Type: "appInfoLocalizations", IDRequired: true,
		Attributes: map[string]*Field{"name": str, "subtitle": str, "privacyPolicyUrl": str, "privacyChoicesUrl": str, "privacyPolicyText": str}},
}

func listParams(typ string, fields []string, include []string, filters ...string) []Param {
	ps := []Param{{Name: "limit", Type: "integer", Maximum: 200}}
	ps = append(ps, Param{Name: "fields[" + typ + "]", Type: "string", Array: true, Enum: fields})
	if len(include) > 0 {
		ps = append(ps, Param{Name: "include", Type: "string", Array: true, Enum: include})
	}
	for _, f := range filters {
		ps = append(ps, Param{Name: "filter[" + f + "]", Type: "string", Array: true})
	}
	return ps
}

var stubOps = []Operation{
	{ID: "apps_getCollection", Method: "GET", Path: "/v1/apps", ResponseSchema: "AppsResponse", SuccessStatus: 200,
		Params: append(listParams("apps", []string{"name", "bundleId", "sku", "primaryLocale", "appInfos"}, []string{"appInfos"}, "name", "bundleId", "sku", "id"),
			Param{Name: "sort", Type: "string", Array: true, Enum: []string{"name", "-name", "bundleId", "-bundleId", "sku", "-sku"}},
			Param{Name: "limit[appInfos]", Type: "integer", Maximum: 50})},
	{ID: "apps_getInstance", Method: "GET", Path: "/v1/apps/{id}", ResponseSchema: "AppResponse", SuccessStatus: 200,
		Params: []Param{{Name: "fields[apps]", Type: "string", Array: true}, {Name: "include", Type: "string", Array: true, Enum: []string{"appInfos"}}, {Name: "limit[appInfos]", Type: "integer", Maximum: 50}}},
	{ID: "apps_appInfos_getToManyRelated", Method: "GET", Path: "/v1/apps/{id}/appInfos", ResponseSchema: "AppInfosResponse", SuccessStatus: 200,
		Params: listParams("appInfos", nil, []string{"app", "appInfoLocalizations"})},
	{ID: "appInfos_appInfoLocalizations_getToManyRelated", Method: "GET", Path: "/v1/appInfos/{id}/appInfoLocalizations", ResponseSchema: "AppInfoLocalizationsResponse", SuccessStatus: 200,
		Params: listParams("appInfoLocalizations", nil, []string{"appInfo"}, "locale")},
	{ID: "appInfoLocalizations_createInstance", Method: "POST", Path: "/v1/appInfoLocalizations", RequestSchema: "AppInfoLocalizationCreateRequest", ResponseSchema: "AppInfoLocalizationResponse", SuccessStatus: 201},
	{ID: "appInfoLocalizations_getInstance", Method: "GET", Path: "/v1/appInfoLocalizations/{id}", ResponseSchema: "AppInfoLocalizationResponse", SuccessStatus: 200,
		Params: []Param{{Name: "fields[appInfoLocalizations]", Type: "string", Array: true}}},
	{ID: "appInfoLocalizations_updateInstance", Method: "PATCH", Path: "/v1/appInfoLocalizations/{id}", RequestSchema: "AppInfoLocalizationUpdateRequest", ResponseSchema: "AppInfoLocalizationResponse", SuccessStatus: 200},
	{ID: "appInfoLocalizations_deleteInstance", Method: "DELETE", Path: "/v1/appInfoLocalizations/{id}", SuccessStatus: 204},
}

func specOperations() []Operation { return stubOps }

func specFind(method, path string) (*Operation, map[string]string, bool) {
	for i := range stubOps {
		op := &stubOps[i]
		if op.Method != method {
			continue
		}
		if params, ok := matchTemplate(op.Path, path); ok {
			return op, params, true
		}
	}
	return nil, nil, false
}

func specMethods(path string) []string {
	var ms []string
	for _, op := range stubOps {
		if _, ok := matchTemplate(op.Path, path); ok && !slices.Contains(ms, op.Method) {
			ms = append(ms, op.Method)
		}
	}
	return ms
}

func matchTemplate(tmpl, path string) (map[string]string, bool) {
	ts := strings.Split(strings.Trim(tmpl, "/"), "/")
	ps := strings.Split(strings.Trim(path, "/"), "/")
	if len(ts) != len(ps) {
		return nil, false
	}
	params := map[string]string{}
	for i, t := range ts {
		if strings.HasPrefix(t, "{") {
			if ps[i] == "" {
				return nil, false
			}
			params[strings.Trim(t, "{}")] = ps[i]
			continue
		}
		if t != ps[i] {
			return nil, false
		}
	}
	return params, true
}

func specResource(typ string) (*ResourceType, bool) { r, ok := stubResources[typ]; return r, ok }

func specRequestBody(schema string) (*Body, bool) { b, ok := stubBodies[schema]; return b, ok }

func specResponseItemType(schema string) (string, bool, bool) {
	switch schema {
	case "AppsResponse":
		return "apps", true, true
	case "AppResponse":
		return "apps", false, true
	case "AppInfosResponse":
		return "appInfos", true, true
	case "AppInfoLocalizationsResponse":
		return "appInfoLocalizations", true, true
	case "AppInfoLocalizationResponse":
		return "appInfoLocalizations", false, true
	}
	return "", false, false
}

func specValidateQuery(op *Operation, q url.Values) []Problem {
	var probs []Problem
	for name, vals := range q {
		i := slices.IndexFunc(op.Params, func(p Param) bool { return p.Name == name })
		if i < 0 {
			probs = append(probs, Problem{Parameter: name, Code: "PARAMETER_ERROR.ILLEGAL", Detail: "The parameter '" + name + "' can not be used with this request"})
			continue
		}
		p := op.Params[i]
		for _, v := range vals {
			if p.Type == "integer" {
				n, err := strconv.Atoi(v)
				if err != nil || n < 1 || (p.Maximum > 0 && n > p.Maximum) {
					probs = append(probs, Problem{Parameter: name, Code: "PARAMETER_ERROR.INVALID", Detail: "'" + v + "' is not a valid value for '" + name + "'"})
				}
				continue
			}
			if len(p.Enum) > 0 {
				for item := range strings.SplitSeq(v, ",") {
					if !slices.Contains(p.Enum, item) {
						probs = append(probs, Problem{Parameter: name, Code: "PARAMETER_ERROR.INVALID", Detail: "'" + item + "' is not a valid value for '" + name + "'"})
					}
				}
			}
		}
	}
	return probs
}
