/*
 * stamp.h - umbrella header of libstamp, the core library: stamp codes,
 * keys, the registry and its store, CSV import, issuance and verdicts.
 * Drawing (QR images, sheets, photos) is libstamp-print: stamp/print.h.
 */
#ifndef STAMP_STAMP_H
#define STAMP_STAMP_H

#include "stamp/version.h" /* generated: in the build tree, or installed beside this file */
#include "error.h"
#include "date.h"
#include "code.h"
#include "key.h"
#include "registry.h"
#include "env.h"
#include "store.h"
#include "revocation.h"
#include "audit.h"
#include "event.h"
#include "user.h"
#include "check.h"
#include "backup.h"
#include "catalog.h"
#include "image.h"
#include "ini.h"
#include "import.h"
#include "issue.h"
#include "verify.h"

#endif
