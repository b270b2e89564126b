package asc

import (
	"bytes"
	"fmt"
	"time"
)

// Ptr returns a pointer to v. PATCH bodies use pointers so that "leave unchanged" (nil)
// differs from "set to the zero value"; Ptr makes such literals one expression.
func Ptr[T any](v T) *T { return &v }

// timeLayouts lists the timestamp shapes App Store Connect is known to send, most common
// first. RFC 3339 covers the public API; the colon-less offset ("+0000") appears in
// provisioning and older App Store resources.
var timeLayouts = [...]string{
	time.RFC3339Nano,
	"2006-01-02T15:04:05.999999999Z0700",
	"2006-01-02T15:04:05.999999999",
}

// Time is a date-time attribute. It decodes every timestamp shape Apple sends, decodes JSON
// null as the zero time (Apple sends null for unset attributes), and encodes RFC 3339.
type Time struct{ time.Time }

// ParseTime parses a timestamp in any of the shapes Apple sends.
func ParseTime(s string) (Time, error) {
	for _, layout := range timeLayouts {
		if t, err := time.Parse(layout, s); err == nil {
			return Time{t}, nil
		}
	}
	return Time{}, fmt.Errorf("parse time %q: not RFC 3339 nor Apple's 2006-01-02T15:04:05.000+0000 form", s)
}

// UnmarshalJSON accepts null, RFC 3339 and Apple's colon-less offset form.
func (t *Time) UnmarshalJSON(b []byte) error {
	if bytes.Equal(b, []byte("null")) {
		*t = Time{}
		return nil
	}
	if len(b) < 2 || b[0] != '"' || b[len(b)-1] != '"' {
		return fmt.Errorf("parse time: want a JSON string, got %.40s", b)
	}
	parsed, err := ParseTime(string(b[1 : len(b)-1]))
	if err != nil {
		return err
	}
	*t = parsed
	return nil
}

// MarshalJSON encodes RFC 3339 with the fraction only when present, and null for the zero
// time so that an unset value does not become year 1.
func (t Time) MarshalJSON() ([]byte, error) {
	if t.IsZero() {
		return []byte("null"), nil
	}
	return []byte(`"` + t.Format(time.RFC3339Nano) + `"`), nil
}

// String formats the time as RFC 3339, the form used in tables and TSV output.
func (t Time) String() string {
	if t.IsZero() {
		return ""
	}
	return t.Format(time.RFC3339Nano)
}

// Date is a calendar date attribute ("2006-01-02"), such as an earliest release date or a
// price schedule's start date. It has no time zone of its own; it is held at UTC midnight.
type Date struct{ time.Time }

const dateLayout = "2006-01-02"

// ParseDate parses "2006-01-02". A full timestamp is accepted too and truncated to its date,
// because some older resources send date-times where the spec says date.
func ParseDate(s string) (Date, error) {
	if t, err := time.Parse(dateLayout, s); err == nil {
		return Date{t}, nil
	}
	if t, err := ParseTime(s); err == nil {
		y, m, d := t.Date()
		return Date{time.Date(y, m, d, 0, 0, 0, 0, time.UTC)}, nil
	}
	return Date{}, fmt.Errorf("parse date %q: want the form 2006-01-02", s)
}

// UnmarshalJSON accepts null (unset) and "2006-01-02".
func (d *Date) UnmarshalJSON(b []byte) error {
	if bytes.Equal(b, []byte("null")) {
		*d = Date{}
		return nil
	}
	if len(b) < 2 || b[0] != '"' || b[len(b)-1] != '"' {
		return fmt.Errorf("parse date: want a JSON string, got %.40s", b)
	}
	parsed, err := ParseDate(string(b[1 : len(b)-1]))
	if err != nil {
		return err
	}
	*d = parsed
	return nil
}

// MarshalJSON encodes "2006-01-02", or null for the zero date.
func (d Date) MarshalJSON() ([]byte, error) {
	if d.IsZero() {
		return []byte("null"), nil
	}
	return []byte(`"` + d.Format(dateLayout) + `"`), nil
}

// String formats the date as "2006-01-02".
func (d Date) String() string {
	if d.IsZero() {
		return ""
	}
	return d.Format(dateLayout)
}
