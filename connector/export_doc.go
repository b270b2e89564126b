package connector

// The documents the export writes, as types. Fields are declared in the order of their JSON
// names, so the output reads like a sorted map's.

// swaggerDoc is a Swagger 2.0 document with the Power Platform extensions the connector uses.
type swaggerDoc struct {
	BasePath            string                    `json:"basePath"`
	Consumes            []string                  `json:"consumes"`
	Definitions         map[string]*schema        `json:"definitions"`
	Host                string                    `json:"host"`
	Info                docInfo                   `json:"info"`
	Parameters          struct{}                  `json:"parameters"`
	Paths               map[string]*pathItem      `json:"paths"`
	Produces            []string                  `json:"produces"`
	Responses           struct{}                  `json:"responses"`
	Schemes             []string                  `json:"schemes"`
	Security            []map[string][]string     `json:"security"`
	SecurityDefinitions map[string]securityScheme `json:"securityDefinitions"`
	Swagger             string                    `json:"swagger"`
	Tags                []docTag                  `json:"tags"`
	ConnectorMetadata   []connectorProperty       `json:"x-ms-connector-metadata"`
}

type docInfo struct {
	Contact     *docContact `json:"contact,omitempty"`
	Description string      `json:"description"`
	Title       string      `json:"title"`
	Version     string      `json:"version"`
}

type docContact struct {
	Email string `json:"email"`
	Name  string `json:"name"`
	URL   string `json:"url"`
}

type docTag struct {
	Description string `json:"description"`
	Name        string `json:"name"`
}

type connectorProperty struct {
	Name  string `json:"propertyName"`
	Value string `json:"propertyValue"`
}

type securityScheme struct {
	In     string `json:"in,omitempty"`
	Name   string `json:"name,omitempty"`
	Scheme string `json:"scheme,omitempty"`
	Type   string `json:"type"`
}

// pathItem holds a path's operations: *swaggerOp or *openAPIOp values.
type pathItem struct {
	Delete              any                  `json:"delete,omitempty"`
	Get                 any                  `json:"get,omitempty"`
	Head                any                  `json:"head,omitempty"`
	Options             any                  `json:"options,omitempty"`
	Patch               any                  `json:"patch,omitempty"`
	Post                any                  `json:"post,omitempty"`
	Put                 any                  `json:"put,omitempty"`
	NotificationContent *notificationContent `json:"x-ms-notification-content,omitempty"`
}

// set files an operation under its method.
func (p *pathItem) set(method string, o any) {
	switch method {
	case "DELETE":
		p.Delete = o
	case "GET":
		p.Get = o
	case "HEAD":
		p.Head = o
	case "OPTIONS":
		p.Options = o
	case "PATCH":
		p.Patch = o
	case "POST":
		p.Post = o
	case "PUT":
		p.Put = o
	default:
		panic("connector: no path item member for method " + method)
	}
}

type notificationContent struct {
	Description string  `json:"description"`
	Schema      *schema `json:"schema"`
}

type swaggerOp struct {
	Description string                      `json:"description"`
	OperationID string                      `json:"operationId"`
	Parameters  []swaggerParameter          `json:"parameters"`
	Produces    []string                    `json:"produces,omitempty"`
	Responses   map[string]*swaggerResponse `json:"responses"`
	Summary     string                      `json:"summary"`
	Tags        []string                    `json:"tags"`
	Pageable    *pageable                   `json:"x-ms-pageable,omitempty"`
	Trigger     string                      `json:"x-ms-trigger,omitempty"`
	Visibility  string                      `json:"x-ms-visibility,omitempty"`
}

type pageable struct {
	NextLinkName string `json:"nextLinkName"`
}

type swaggerResponse struct {
	Description string                  `json:"description"`
	Headers     map[string]headerSchema `json:"headers,omitempty"`
	Schema      *schema                 `json:"schema,omitempty"`
}

type headerSchema struct {
	Description string `json:"description"`
	Type        string `json:"type"`
}

// swaggerParameter is a path, query or body parameter.
type swaggerParameter struct {
	CollectionFormat string         `json:"collectionFormat,omitempty"`
	Default          any            `json:"default,omitempty"`
	Description      string         `json:"description"`
	Enum             []any          `json:"enum,omitempty"`
	In               string         `json:"in"`
	Items            *paramItems    `json:"items,omitempty"`
	Maximum          int            `json:"maximum,omitempty"`
	Name             string         `json:"name"`
	Required         bool           `json:"required"`
	Schema           *schema        `json:"schema,omitempty"`
	Type             string         `json:"type,omitempty"`
	Dynamic          *dynamicValues `json:"x-ms-dynamic-values,omitempty"`
	Summary          string         `json:"x-ms-summary"`
	Visibility       string         `json:"x-ms-visibility,omitempty"`
}

type paramItems struct {
	Enum []any  `json:"enum,omitempty"`
	Type string `json:"type"`
}

// dynamicValues fills a designer's dropdown from another operation (x-ms-dynamic-values).
type dynamicValues struct {
	OperationID     string `json:"operationId"`
	ValueCollection string `json:"value-collection"`
	ValuePath       string `json:"value-path"`
	ValueTitle      string `json:"value-title"`
}

// apiProperties is apiProperties.json.
type apiProperties struct {
	Properties struct {
		Capabilities            []string                       `json:"capabilities"`
		ConnectionParameters    map[string]connectionParameter `json:"connectionParameters"`
		IconBrandColor          string                         `json:"iconBrandColor"`
		PolicyTemplateInstances []policyTemplate               `json:"policyTemplateInstances"`
		Publisher               string                         `json:"publisher"`
		StackOwner              string                         `json:"stackOwner"`
	} `json:"properties"`
}

type connectionParameter struct {
	Type         string       `json:"type"`
	UIDefinition uiDefinition `json:"uiDefinition"`
}

type uiDefinition struct {
	Constraints struct {
		ClearText bool   `json:"clearText"`
		Required  string `json:"required"`
		TabIndex  int    `json:"tabIndex"`
	} `json:"constraints"`
	Description string `json:"description"`
	DisplayName string `json:"displayName"`
	Tooltip     string `json:"tooltip"`
}

type policyTemplate struct {
	Parameters map[string]string `json:"parameters"`
	TemplateID string            `json:"templateId"`
	Title      string            `json:"title"`
}

// openAPIDoc is an OpenAPI 3.1 document. Its schemas are plain JSON values: the Swagger
// schemas with the Power Platform extensions taken out.
type openAPIDoc struct {
	Components struct {
		Schemas         map[string]any            `json:"schemas"`
		SecuritySchemes map[string]securityScheme `json:"securitySchemes"`
	} `json:"components"`
	Info     docInfo               `json:"info"`
	OpenAPI  string                `json:"openapi"`
	Paths    map[string]*pathItem  `json:"paths"`
	Security []map[string][]string `json:"security"`
	Servers  []struct {
		URL string `json:"url"`
	} `json:"servers"`
}

type openAPIOp struct {
	Description string                      `json:"description"`
	OperationID string                      `json:"operationId"`
	Parameters  []openAPIParameter          `json:"parameters"`
	RequestBody *openAPIBody                `json:"requestBody,omitempty"`
	Responses   map[string]*openAPIResponse `json:"responses"`
	Summary     string                      `json:"summary"`
	Tags        []string                    `json:"tags"`
}

type openAPIParameter struct {
	Description string         `json:"description"`
	Explode     *bool          `json:"explode,omitempty"`
	In          string         `json:"in"`
	Name        string         `json:"name"`
	Required    bool           `json:"required"`
	Schema      *openAPISchema `json:"schema"`
	Style       string         `json:"style,omitempty"`
}

// openAPISchema is a parameter's schema.
type openAPISchema struct {
	Default any            `json:"default,omitempty"`
	Enum    []string       `json:"enum,omitempty"`
	Items   *openAPISchema `json:"items,omitempty"`
	Type    string         `json:"type"`
}

type openAPIBody struct {
	Content     map[string]mediaType `json:"content"`
	Description string               `json:"description"`
	Required    bool                 `json:"required"`
}

type openAPIResponse struct {
	Content     map[string]mediaType `json:"content,omitempty"`
	Description string               `json:"description"`
}

type mediaType struct {
	Schema any `json:"schema"`
}
