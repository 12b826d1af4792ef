// Functional tests live beside this file; see harness.h.
