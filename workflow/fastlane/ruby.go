package fastlane

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"unicode"
)

// value is one Ruby literal as Deliverfiles and Appfiles write them: a string, a symbol, a
// boolean, nil, a number, an array, a hash, or ENV["NAME"] (looked up when evaluated).
type value struct {
	kind  valueKind
	text  string  // string, symbol (without the colon), number, env name
	list  []value // array
	pairs []pair  // hash, in the file's order
}

type pair struct {
	key string
	val value
}

type valueKind int

const (
	kindNil valueKind = iota
	kindString
	kindSymbol
	kindBool
	kindNumber
	kindArray
	kindHash
	kindEnv
	// kindAlt is `a || b` inside a hash or array, its alternatives in list; resolve picks one.
	kindAlt
)

// expr is `a || b || ...`: the first alternative that is neither nil nor false wins, as in
// Ruby (so an environment variable that is set, even empty, wins over the default).
type expr []value

// statement is one option line: the option's name and its arguments.
type statement struct {
	line  int
	name  string
	args  []expr
	block string // "do" when the line opens a block (for_lane :x do)
}

type token struct {
	kind string // "str", "sym", "ident", "num", "punct"
	text string
}

// lex splits one statement's text into tokens. It refuses string interpolation ("#{...}"),
// which needs Ruby to evaluate.
func lex(s string) ([]token, error) {
	var toks []token
	for i := 0; i < len(s); {
		c := s[i]
		switch {
		case c == ' ' || c == '\t' || c == '\r' || c == '\n':
			i++
		case c == '#':
			return toks, nil // a comment runs to the end of the line
		case c == '"' || c == '\'':
			str, n, err := lexString(s[i:])
			if err != nil {
				return nil, err
			}
			i += n
			// "key": value in a hash is a symbol key, as Ruby reads it.
			if i < len(s) && s[i] == ':' && (i+1 == len(s) || s[i+1] != ':') {
				toks = append(toks, token{"sym", str}, token{"punct", "=>"})
				i++
				continue
			}
			toks = append(toks, token{"str", str})
		case c == ':' && i+1 < len(s) && (isIdentStart(rune(s[i+1])) || s[i+1] == '"'):
			if s[i+1] == '"' {
				str, n, err := lexString(s[i+1:])
				if err != nil {
					return nil, err
				}
				toks = append(toks, token{"sym", str})
				i += 1 + n
				continue
			}
			j := i + 1
			for j < len(s) && isIdent(rune(s[j])) {
				j++
			}
			toks = append(toks, token{"sym", s[i+1 : j]})
			i = j
		case isIdentStart(rune(c)):
			j := i
			for j < len(s) && (isIdent(rune(s[j])) || (s[j] == '?' || s[j] == '!') && j > i) {
				j++
			}
			// "key: value" in a hash or keyword argument.
			if j < len(s) && s[j] == ':' && (j+1 == len(s) || s[j+1] != ':') {
				toks = append(toks, token{"sym", s[i:j]}, token{"punct", "=>"})
				i = j + 1
				continue
			}
			toks = append(toks, token{"ident", s[i:j]})
			i = j
		case c >= '0' && c <= '9' || c == '-' && i+1 < len(s) && s[i+1] >= '0' && s[i+1] <= '9':
			j := i + 1
			for j < len(s) && (s[j] >= '0' && s[j] <= '9' || s[j] == '.' || s[j] == '_') {
				j++
			}
			toks = append(toks, token{"num", strings.ReplaceAll(s[i:j], "_", "")})
			i = j
		case strings.HasPrefix(s[i:], "||"), strings.HasPrefix(s[i:], "=>"):
			toks = append(toks, token{"punct", s[i : i+2]})
			i += 2
		case strings.ContainsRune("[](){},.|", rune(c)):
			toks = append(toks, token{"punct", string(c)})
			i++
		default:
			return nil, fmt.Errorf("unexpected %q", c)
		}
	}
	return toks, nil
}

func isIdentStart(r rune) bool { return r == '_' || unicode.IsLetter(r) }
func isIdent(r rune) bool      { return r == '_' || unicode.IsLetter(r) || unicode.IsDigit(r) }

// errInterpolation refuses "#{...}", which needs Ruby to evaluate.
var errInterpolation = errors.New("string interpolation (#{...}) needs Ruby to evaluate")

// lexString reads a quoted string at the start of s and returns it with its length in s.
func lexString(s string) (string, int, error) {
	q := s[0]
	var b strings.Builder
	for i := 1; i < len(s); i++ {
		c := s[i]
		switch {
		case c == q:
			return b.String(), i + 1, nil
		case c == '\\' && i+1 < len(s):
			i++
			n := s[i]
			if q == '\'' {
				if n != '\'' && n != '\\' {
					b.WriteByte('\\')
				}
				b.WriteByte(n)
				continue
			}
			switch n {
			case 'n':
				b.WriteByte('\n')
			case 't':
				b.WriteByte('\t')
			default:
				b.WriteByte(n)
			}
		case q == '"' && c == '#' && i+1 < len(s) && s[i+1] == '{':
			return "", 0, errInterpolation
		default:
			b.WriteByte(c)
		}
	}
	return "", 0, fmt.Errorf("unterminated string")
}

// parser reads tokens into values.
type parser struct {
	toks []token
	pos  int
}

func (p *parser) peek() token {
	if p.pos < len(p.toks) {
		return p.toks[p.pos]
	}
	return token{}
}

func (p *parser) next() token {
	t := p.peek()
	p.pos++
	return t
}

func (p *parser) accept(kind, text string) bool {
	if t := p.peek(); t.kind == kind && t.text == text {
		p.pos++
		return true
	}
	return false
}

// parseStatement reads `name arg, arg`, `name(arg, arg)` or `name :x do`.
func parseStatement(line int, text string) (statement, error) {
	toks, err := lex(text)
	if err != nil {
		return statement{}, err
	}
	p := &parser{toks: toks}
	t := p.next()
	if t.kind != "ident" {
		return statement{}, fmt.Errorf("expected an option name")
	}
	st := statement{line: line, name: t.text}
	paren := p.accept("punct", "(")
	for p.pos < len(p.toks) {
		if paren && p.accept("punct", ")") {
			paren = false
			break
		}
		if p.accept("ident", "do") {
			st.block = "do"
			p.blockParams()
			break
		}
		e, err := p.parseExpr()
		if err != nil {
			return statement{}, err
		}
		if n := len(st.args); n > 0 && isKeywords(st.args[n-1]) && isKeywords(e) {
			// name a: 1, b: 2 is one hash, as Ruby passes keyword arguments.
			st.args[n-1][0].pairs = append(st.args[n-1][0].pairs, e[0].pairs...)
		} else {
			st.args = append(st.args, e)
		}
		// Keyword arguments written without braces collect into one hash.
		if !p.accept("punct", ",") {
			if paren && !p.accept("punct", ")") {
				return statement{}, fmt.Errorf("expected ) after the arguments")
			}
			paren = false
			if p.accept("ident", "do") {
				st.block = "do"
				p.blockParams()
			}
			break
		}
	}
	if paren {
		return statement{}, fmt.Errorf("expected ) after the arguments")
	}
	if p.pos < len(p.toks) {
		return statement{}, fmt.Errorf("unexpected %q after the arguments", p.peek().text)
	}
	return st, nil
}

// blockParams skips a block's parameters (do |options|), which a block that is not read
// does not need.
func (p *parser) blockParams() {
	if !p.accept("punct", "|") {
		return
	}
	for p.peek().kind == "ident" || p.peek().kind == "punct" && p.peek().text == "," {
		p.pos++
	}
	p.accept("punct", "|")
}

// isKeywords reports whether e is a keyword argument (key: value written without braces).
func isKeywords(e expr) bool { return len(e) == 1 && e[0].kind == kindHash && e[0].text == "keywords" }

func (p *parser) parseExpr() (expr, error) {
	var e expr
	for {
		v, err := p.parseValue()
		if err != nil {
			return nil, err
		}
		e = append(e, v)
		if !p.accept("punct", "||") {
			return e, nil
		}
	}
}

// parseAlt reads a value that may have alternatives (ENV["X"] || "d"), as a hash's values
// have: one value, or a kindAlt of them.
func (p *parser) parseAlt() (value, error) {
	e, err := p.parseExpr()
	if err != nil {
		return value{}, err
	}
	if len(e) == 1 {
		return e[0], nil
	}
	return value{kind: kindAlt, list: e}, nil
}

func (p *parser) parseValue() (value, error) {
	t := p.next()
	switch {
	case t.kind == "str":
		return value{kind: kindString, text: t.text}, nil
	case t.kind == "num":
		return value{kind: kindNumber, text: t.text}, nil
	case t.kind == "sym":
		// A keyword pair outside braces (name key: v) is a one-entry hash; the caller's
		// comma loop gathers the rest.
		if p.accept("punct", "=>") {
			v, err := p.parseAlt()
			if err != nil {
				return value{}, err
			}
			return value{kind: kindHash, pairs: []pair{{t.text, v}}, text: "keywords"}, nil
		}
		return value{kind: kindSymbol, text: t.text}, nil
	case t.kind == "ident" && (t.text == "true" || t.text == "false"):
		return value{kind: kindBool, text: t.text}, nil
	case t.kind == "ident" && t.text == "nil":
		return value{kind: kindNil}, nil
	case t.kind == "ident" && t.text == "ENV":
		return p.parseEnv()
	case t.kind == "punct" && t.text == "[":
		var v value
		v.kind = kindArray
		for !p.accept("punct", "]") {
			e, err := p.parseValue()
			if err != nil {
				return value{}, err
			}
			v.list = append(v.list, e)
			if !p.accept("punct", ",") {
				if !p.accept("punct", "]") {
					return value{}, fmt.Errorf("expected ] to close the array")
				}
				break
			}
		}
		return v, nil
	case t.kind == "punct" && t.text == "{":
		var v value
		v.kind = kindHash
		for !p.accept("punct", "}") {
			k := p.next()
			if k.kind != "str" && k.kind != "sym" {
				return value{}, fmt.Errorf("expected a hash key")
			}
			if !p.accept("punct", "=>") {
				return value{}, fmt.Errorf("expected => after hash key %q", k.text)
			}
			e, err := p.parseAlt()
			if err != nil {
				return value{}, err
			}
			v.pairs = append(v.pairs, pair{k.text, e})
			if !p.accept("punct", ",") {
				if !p.accept("punct", "}") {
					return value{}, fmt.Errorf("expected } to close the hash")
				}
				break
			}
		}
		return v, nil
	case t.kind == "":
		return value{}, fmt.Errorf("a value is missing")
	}
	return value{}, fmt.Errorf("%q is Ruby code, not a value ascend can read", t.text)
}

// parseEnv reads ENV["X"], ENV['X'] and ENV.fetch("X") (with an optional default, kept as
// the expression's next alternative by the caller's evaluation).
func (p *parser) parseEnv() (value, error) {
	if p.accept("punct", "[") {
		t := p.next()
		if t.kind != "str" || !p.accept("punct", "]") {
			return value{}, fmt.Errorf(`write ENV["NAME"] with a quoted name`)
		}
		return value{kind: kindEnv, text: t.text}, nil
	}
	if p.accept("punct", ".") && p.accept("ident", "fetch") && p.accept("punct", "(") {
		t := p.next()
		if t.kind != "str" {
			return value{}, fmt.Errorf(`write ENV.fetch("NAME") with a quoted name`)
		}
		v := value{kind: kindEnv, text: t.text}
		if p.accept("punct", ",") {
			def, err := p.parseValue()
			if err != nil {
				return value{}, err
			}
			// ENV.fetch("X", "d") is ENV["X"] || "d" for our purposes.
			v = value{kind: kindArray, list: []value{v, def}, text: "fetch"}
		}
		if !p.accept("punct", ")") {
			return value{}, fmt.Errorf("expected ) after ENV.fetch")
		}
		return v, nil
	}
	return value{}, fmt.Errorf(`ENV is read only as ENV["NAME"] or ENV.fetch("NAME", default)`)
}

// lookup reads the environment; ok is false when the variable is not set.
type lookup func(string) (string, bool)

// eval resolves e: the first alternative that is not nil or false. how says which one was
// used, for the user ("ENV[\"APP_ID\"]" or "the default after ENV[\"APP_ID\"], which is not
// set").
func (e expr) eval(env lookup) (v value, how string) {
	var unset []string
	for _, alt := range e {
		if alt.kind == kindArray && alt.text == "fetch" {
			// ENV.fetch(name, default)
			alt = evalFetch(alt, env, &unset)
			if alt.kind == kindNil {
				continue
			}
			return alt, describe(unset)
		}
		if alt.kind == kindEnv {
			s, ok := env(alt.text)
			if !ok {
				unset = append(unset, alt.text)
				continue
			}
			return value{kind: kindString, text: s}, fmt.Sprintf("from ENV[%q]", alt.text)
		}
		if alt.kind == kindNil || alt.kind == kindBool && alt.text == "false" && len(e) > 1 {
			continue
		}
		return alt, describe(unset)
	}
	// Every alternative is nil or false: Ruby's || gives the last one (ENV["X"] || false is
	// false when X is not set).
	if n := len(e); n > 0 && e[n-1].kind == kindBool {
		return e[n-1], describe(unset)
	}
	return value{kind: kindNil}, describe(unset)
}

// resolve evaluates the alternatives and ENV lookups inside v's hashes and arrays, as eval
// does for a whole statement's value.
func (v value) resolve(env lookup) value {
	switch v.kind {
	case kindAlt:
		r, _ := expr(v.list).eval(env)
		return r.resolve(env)
	case kindEnv:
		r, _ := expr{v}.eval(env)
		return r
	case kindArray:
		if v.text == "fetch" {
			r, _ := expr{v}.eval(env)
			return r.resolve(env)
		}
		out := value{kind: kindArray, list: make([]value, len(v.list))}
		for i, e := range v.list {
			out.list[i] = e.resolve(env)
		}
		return out
	case kindHash:
		out := value{kind: kindHash, text: v.text, pairs: make([]pair, len(v.pairs))}
		for i, p := range v.pairs {
			out.pairs[i] = pair{p.key, p.val.resolve(env)}
		}
		return out
	}
	return v
}

func evalFetch(v value, env lookup, unset *[]string) value {
	if s, ok := env(v.list[0].text); ok {
		return value{kind: kindString, text: s}
	}
	*unset = append(*unset, v.list[0].text)
	return v.list[1]
}

func describe(unset []string) string {
	if len(unset) == 0 {
		return ""
	}
	names := make([]string, len(unset))
	for i, n := range unset {
		names[i] = fmt.Sprintf("ENV[%q]", n)
	}
	return "the default, as " + strings.Join(names, " and ") + " is not set"
}

// asString is v as text: strings, symbols and numbers.
func (v value) asString() (string, bool) {
	switch v.kind {
	case kindString, kindSymbol, kindNumber:
		return v.text, true
	}
	return "", false
}

// asBool reads a boolean, also given as a string ("true"), as fastlane's options accept.
func (v value) asBool() (bool, bool) {
	switch v.kind {
	case kindBool:
		return v.text == "true", true
	case kindString, kindSymbol:
		switch strings.ToLower(strings.TrimSpace(v.text)) {
		case "true", "yes", "1", "on":
			return true, true
		case "false", "no", "0", "off":
			return false, true
		}
	case kindNumber:
		n, err := strconv.Atoi(v.text)
		if err == nil && (n == 0 || n == 1) {
			return n == 1, true
		}
	}
	return false, false
}

// asStrings is an array of strings, or one string as a list of one.
func (v value) asStrings() ([]string, bool) {
	if s, ok := v.asString(); ok {
		return []string{s}, true
	}
	if v.kind != kindArray {
		return nil, false
	}
	out := make([]string, 0, len(v.list))
	for _, e := range v.list {
		s, ok := e.asString()
		if !ok {
			return nil, false
		}
		out = append(out, s)
	}
	return out, true
}

// keyText is a hash key for a message: as written, or quoted when it holds a line break,
// a quote or another character that would not read as written (messages are one line).
func keyText(k string) string {
	if q := strconv.Quote(k); q[1:len(q)-1] != k {
		return q
	}
	return k
}

// kindName says what v is without its contents ("an array"), for a note about a value that
// may be a secret.
func (v value) kindName() string {
	switch v.kind {
	case kindNil:
		return "nil"
	case kindString:
		return "a string"
	case kindSymbol:
		return "a symbol"
	case kindBool:
		return "true or false"
	case kindNumber:
		return "a number"
	case kindArray:
		return "an array"
	case kindHash:
		return "a hash"
	case kindEnv:
		return "an environment variable"
	default:
		return "an expression"
	}
}

func (v value) String() string {
	switch v.kind {
	case kindNil:
		return "nil"
	case kindString:
		return strconv.Quote(v.text)
	case kindSymbol:
		return ":" + v.text
	case kindEnv:
		return fmt.Sprintf("ENV[%q]", v.text)
	case kindAlt:
		parts := make([]string, len(v.list))
		for i, e := range v.list {
			parts[i] = e.String()
		}
		return strings.Join(parts, " || ")
	case kindArray:
		parts := make([]string, len(v.list))
		for i, e := range v.list {
			parts[i] = e.String()
		}
		return "[" + strings.Join(parts, ", ") + "]"
	case kindHash:
		parts := make([]string, len(v.pairs))
		for i, p := range v.pairs {
			parts[i] = keyText(p.key) + ": " + p.val.String()
		}
		return "{" + strings.Join(parts, ", ") + "}"
	}
	return v.text
}
