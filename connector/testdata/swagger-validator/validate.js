// Usage: node validate.js FILE...
// Validates each file as a Swagger 2.0 / OpenAPI document with @apidevtools/swagger-parser
// (schema validation plus its spec checks) and prints one line per file; exits 1 on any error.
const SwaggerParser = require("@apidevtools/swagger-parser");

async function main(files) {
  let failed = false;
  for (const file of files) {
    try {
      const api = await SwaggerParser.validate(file);
      const version = api.swagger || api.openapi;
      console.log(`valid ${version} ${file}: ${Object.keys(api.paths || {}).length} paths`);
    } catch (err) {
      failed = true;
      console.log(`invalid ${file}: ${err.message}`);
    }
  }
  process.exit(failed ? 1 : 0);
}

main(process.argv.slice(2));
