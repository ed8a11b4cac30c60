/* sheet.c - not written yet */
