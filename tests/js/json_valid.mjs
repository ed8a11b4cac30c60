// json_valid.mjs SCHEMA FILE: validate the JSON in FILE against the JSON
// Schema (draft 7) in SCHEMA with ajv, formats checked (ajv-formats); exit 0
// when valid, 1 with every error on stdout when not, 2 when either file
// cannot be read or the schema does not compile.
import { readFileSync } from "node:fs";
import Ajv from "ajv";
import addFormats from "ajv-formats";

const [schemaPath, docPath] = process.argv.slice(2);
let schema, doc;
try {
	schema = JSON.parse(readFileSync(schemaPath, "utf8"));
	doc = JSON.parse(readFileSync(docPath, "utf8"));
} catch (e) {
	console.log(`json_valid: ${e.message}`);
	process.exit(2);
}
const ajv = new Ajv({ allErrors: true, strict: false });
addFormats(ajv);
let validate;
try {
	validate = ajv.compile(schema);
} catch (e) {
	console.log(`json_valid: ${schemaPath}: ${e.message}`);
	process.exit(2);
}
if (validate(doc)) process.exit(0);
for (const e of validate.errors) console.log(`${e.instancePath || "(top)"}: ${e.message} ${JSON.stringify(e.params)}`);
process.exit(1);
