"""json_schema.py SCHEMA FILE: validate the JSON in FILE against the JSON
schema (draft 7) in SCHEMA with python3-jsonschema; exit 0 when valid, 1 with
every error on stdout when not. Run with Debian's /usr/bin/python3, where
scripts/install-deps puts python3-jsonschema."""
import json
import sys

import jsonschema

schema = json.load(open(sys.argv[1], encoding="utf-8"))
jsonschema.Draft7Validator.check_schema(schema)
doc = json.load(open(sys.argv[2], encoding="utf-8"))
errors = list(jsonschema.Draft7Validator(schema).iter_errors(doc))
for e in errors:
    print("/".join(str(p) for p in e.absolute_path) or "(top)", ":", e.message)
sys.exit(1 if errors else 0)
