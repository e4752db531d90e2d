/* exs-hdhr-error.c: the HDHomeRun emulation's error domain */
#include "config.h"

#include "exs-hdhr-error.h"

G_DEFINE_QUARK (exs-hdhr-error-quark, exs_hdhr_error)
