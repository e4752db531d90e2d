/* exs-circuit-breaker.h: one channel's breaker: closed, open, half-open */
#pragma once

#include <glib-object.h>

#include "exs-clock.h"

G_BEGIN_DECLS

typedef enum
{
  EXS_CIRCUIT_CLOSED,
  EXS_CIRCUIT_OPEN,
  EXS_CIRCUIT_HALF_OPEN,
} ExsCircuitState;

#define EXS_TYPE_CIRCUIT_BREAKER (exs_circuit_breaker_get_type ())
G_DECLARE_FINAL_TYPE (ExsCircuitBreaker, exs_circuit_breaker, EXS, CIRCUIT_BREAKER, GObject)

ExsCircuitBreaker *exs_circuit_breaker_new (const char *channel_number,
                                            guint       failure_threshold,
                                            guint       window_seconds,
                                            guint       open_seconds);
void exs_circuit_breaker_set_clock (ExsCircuitBreaker *self,
                                    ExsClockFunc       clock,
                                    gpointer           clock_data);
const char *exs_circuit_breaker_get_channel_number (ExsCircuitBreaker *self);
void exs_circuit_breaker_record_failure (ExsCircuitBreaker *self);
void exs_circuit_breaker_record_success (ExsCircuitBreaker *self);
void exs_circuit_breaker_reset (ExsCircuitBreaker *self);
ExsCircuitState exs_circuit_breaker_get_state (ExsCircuitBreaker *self);
gboolean exs_circuit_breaker_allows (ExsCircuitBreaker *self);
guint exs_circuit_breaker_get_failure_count (ExsCircuitBreaker *self);
gint64 exs_circuit_breaker_get_open_remaining_us (ExsCircuitBreaker *self);
const char *exs_circuit_state_to_string (ExsCircuitState state);

G_END_DECLS
