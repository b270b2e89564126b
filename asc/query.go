package asc

import (
	"fmt"
	"net/url"
	"reflect"
	"strconv"
	"strings"
)

// encodeOptions turns an options struct into query parameters. Each field names its
// parameter in a `query:"filter[bundleId]"` tag; zero values are left out, arrays are
// comma-joined as Apple expects (filter[bundleId]=a,b) and *bool encodes true or false when
// set. Options types, hand-written or generated, need no code of their own.
func encodeOptions(opts any) url.Values {
	q := url.Values{}
	if opts == nil {
		return q
	}
	v := reflect.ValueOf(opts)
	for v.Kind() == reflect.Pointer || v.Kind() == reflect.Interface {
		if v.IsNil() {
			return q
		}
		v = v.Elem()
	}
	if v.Kind() != reflect.Struct {
		return q
	}
	t := v.Type()
	for i := range t.NumField() {
		name := t.Field(i).Tag.Get("query")
		if name == "" || name == "-" {
			continue
		}
		if s, ok := queryValue(v.Field(i)); ok {
			q.Set(name, s)
		}
	}
	return q
}

// queryValue renders one option field; ok is false for a zero value, which means "not set".
func queryValue(f reflect.Value) (string, bool) {
	switch f.Kind() {
	case reflect.String:
		return f.String(), f.Len() > 0
	case reflect.Int, reflect.Int64, reflect.Int32:
		return strconv.FormatInt(f.Int(), 10), f.Int() != 0
	case reflect.Bool:
		return strconv.FormatBool(f.Bool()), f.Bool()
	case reflect.Pointer:
		if f.IsNil() {
			return "", false
		}
		e := f.Elem()
		switch e.Kind() {
		case reflect.Bool:
			return strconv.FormatBool(e.Bool()), true
		case reflect.Int, reflect.Int64, reflect.Int32:
			return strconv.FormatInt(e.Int(), 10), true
		case reflect.String:
			return e.String(), true
		}
	case reflect.Slice:
		if f.Len() == 0 {
			return "", false
		}
		parts := make([]string, 0, f.Len())
		for j := range f.Len() {
			parts = append(parts, fmt.Sprint(f.Index(j).Interface()))
		}
		return strings.Join(parts, ","), true
	}
	return "", false
}

// resourcePath joins path segments, escaping each id so that an id can never change the
// path it is placed in.
func resourcePath(format string, ids ...string) string {
	args := make([]any, len(ids))
	for i, id := range ids {
		args[i] = url.PathEscape(id)
	}
	return fmt.Sprintf(format, args...)
}
