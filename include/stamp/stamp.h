/* stamp.h - umbrella header of libstamp. */
#ifndef STAMP_STAMP_H
#define STAMP_STAMP_H

#include "error.h"
#include "date.h"
#include "code.h"
#include "key.h"
#include "registry.h"
#include "store.h"
#include "import.h"
#include "render.h"
#include "photo.h"
#include "issue.h"
#include "verify.h"
#include "scans.h"
#include "template.h"
#include "sheet.h"

#endif
