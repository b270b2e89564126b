package mcp

import (
	"encoding/json"

	sdk "github.com/modelcontextprotocol/go-sdk/mcp"
)

// Input schemas of the generic tools, kept short: the tool list is read into an agent's
// context on every connection.
var (
	searchSchema = json.RawMessage(`{"type":"object","properties":{` +
		`"query":{"type":"string","description":"words that must all occur in the operation id, path, tag or resource type, e.g. \"version localizations\""},` +
		`"tag":{"type":"string","description":"Apple's tag, e.g. Apps"},` +
		`"resource":{"type":"string","description":"JSON:API type read or written, e.g. appStoreVersions"},` +
		`"method":{"type":"string","enum":["GET","POST","PATCH","DELETE"]},` +
		`"limit":{"type":"integer","minimum":1,"maximum":100,"description":"default 25"},` +
		`"offset":{"type":"integer","minimum":0,"description":"next_offset of the previous answer"}},` +
		`"additionalProperties":false}`)
	describeSchema = json.RawMessage(`{"type":"object","properties":{` +
		`"operation":{"type":"string","description":"operation id, e.g. apps_getCollection"}},` +
		`"required":["operation"],"additionalProperties":false}`)
	callProps = `"operation":{"type":"string","description":"operation id from search_operations"},` +
		`"path_params":{"type":"object","additionalProperties":{"type":"string"},"description":"values of the path's {placeholders}, e.g. {\"id\":\"1234\"}"},` +
		`"query":{"type":"object","additionalProperties":{"type":["string","number","boolean","array"]},"description":"query parameters by name, e.g. {\"filter[platform]\":[\"IOS\"],\"fields[apps]\":\"name,bundleId\"}; arrays are sent comma-separated"}`
	readSchema = json.RawMessage(`{"type":"object","properties":{` + callProps + `,` +
		`"max_items":{"type":"integer","minimum":1,"maximum":200,"description":"items per answer, default 50"},` +
		`"cursor":{"type":"string","description":"next_cursor of the previous answer, with the same other arguments"},` +
		`"raw":{"type":"boolean","description":"Apple's resource objects instead of flattened items"}},` +
		`"required":["operation"],"additionalProperties":false}`)
	writeSchema = json.RawMessage(`{"type":"object","properties":{` + callProps + `,` +
		`"body":{"type":"object","description":"JSON:API request document; describe_operation gives its schema and an example"},` +
		`"repeat":{"type":"boolean","description":"send a create identical to one already sent (after reading back that a second one is wanted)"},` +
		`"raw":{"type":"boolean","description":"Apple's resource object instead of a flattened item"}},` +
		`"required":["operation"],"additionalProperties":false}`)
	destructiveSchema = json.RawMessage(`{"type":"object","properties":{` + callProps + `,` +
		`"body":{"type":"object","description":"JSON:API linkage document, for relationship operations"},` +
		`"confirm":{"type":"boolean","description":"must be true: the user agreed to this deletion"}},` +
		`"required":["operation","confirm"],"additionalProperties":false}`)
)

func (s *server) genericTools() []tool {
	closed := boolPtr(false)
	return []tool{
		{tool: &sdk.Tool{
			Name:        toolSearch,
			Description: "Search the App Store Connect API's 1,263 operations by words, tag, resource type or method. Answers operation ids with method and path.",
			InputSchema: schema(searchSchema),
			Annotations: &sdk.ToolAnnotations{Title: "Search operations", ReadOnlyHint: true, IdempotentHint: true, OpenWorldHint: closed},
		}, handler: s.search},
		{tool: &sdk.Tool{
			Name:        toolDescribe,
			Description: "Describe one operation: path parameters, query parameters with enums and maxima, the request body's attributes and relationships with an example, what it returns, and which call tool to use.",
			InputSchema: schema(describeSchema),
			Annotations: &sdk.ToolAnnotations{Title: "Describe an operation", ReadOnlyHint: true, IdempotentHint: true, OpenWorldHint: closed},
		}, handler: s.describe},
		{tool: &sdk.Tool{
			Name:        toolRead,
			Description: "Call a GET operation. Checked against Apple's spec before sending (a mistake answers Apple's PARAMETER_ERROR, nothing sent). Lists come as flattened items (type, id, attributes, relationships as ids), bounded, with next_cursor for more.",
			InputSchema: schema(readSchema),
			Annotations: &sdk.ToolAnnotations{Title: "Read from App Store Connect", ReadOnlyHint: true, IdempotentHint: true},
		}, handler: s.callRead},
		{tool: &sdk.Tool{
			Name:        toolWrite,
			Description: "Call a POST or PATCH operation (create, update, add links). Checked against Apple's spec before sending. An identical create already sent is refused until read back (or repeat: true).",
			InputSchema: schema(writeSchema),
			Annotations: &sdk.ToolAnnotations{Title: "Create or update in App Store Connect", DestructiveHint: boolPtr(false)},
		}, handler: s.callWrite, write: true},
		{tool: &sdk.Tool{
			Name:        toolDestructive,
			Description: "Call a DELETE operation or replace a to-many relationship. Needs confirm: true; without it nothing is sent and the answer says what would be removed.",
			InputSchema: schema(destructiveSchema),
			Annotations: &sdk.ToolAnnotations{Title: "Delete in App Store Connect", DestructiveHint: boolPtr(true), IdempotentHint: true},
		}, handler: s.callDestructive, write: true},
	}
}
