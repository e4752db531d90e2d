// The channel form's "Picture and sound" part (issue 20): the channel's
// media fields as the API names them (audio_languages … error_screen),
// shown from a channel and read back into a request body. A 422 names the
// field ("watermark.opacity"); the input of that name shows the message.
import { html, nothing } from 'lit';
import { fieldError, invalid } from '../util.js';

const AUDIO_TRACKS = ['preferred', 'all'];
const SUBTITLE_MODES = ['off', 'forced', 'always'];
const DEINTERLACE = ['auto', 'off', 'yadif', 'greedyh', 'linear', 'vfir'];
const SCALING = [['fit', 'fit (letterbox / pillarbox)'], ['crop', 'crop to fill'], ['stretch', 'stretch to fill']];
const POSITIONS = ['top-left', 'top-right', 'bottom-left', 'bottom-right'];
const VISUAL_MODES = ['text', 'static', 'test_pattern', 'slate'];
const AUDIO_MODES = ['silent', 'sine_wave', 'white_noise', 'beep'];

// Every field the part owns, for the form's "other error" banner.
export const MEDIA_FIELDS = ['audio_languages', 'audio_tracks', 'subtitle_languages', 'subtitle_mode',
  'loudness_target_lufs', 'deinterlace', 'scaling', 'watermark', 'error_screen'];
export const isMediaField = (field) => MEDIA_FIELDS.some((f) => field === f || field?.startsWith(`${f}.`));

const id = (field) => `ch-${field.replace(/[._]/g, '-')}`;

function row(e, field, label, input) {
  return html`<div><label for=${id(field)}>${label}</label>${input}${fieldError(e, field, `${id(field)}-err`)}</div>`;
}

function text(e, field, label, value, attrs = {}) {
  return row(e, field, label, html`<input id=${id(field)} name=${field} .value=${value ?? ''}
    type=${attrs.type || 'text'} step=${attrs.step || nothing} placeholder=${attrs.placeholder || nothing}
    aria-invalid=${invalid(e, field)} aria-describedby="${id(field)}-err">`);
}

function choice(e, field, label, options, value, unset) {
  return row(e, field, label, html`<select id=${id(field)} name=${field} aria-invalid=${invalid(e, field)}
      aria-describedby="${id(field)}-err">
    ${unset ? html`<option value="" .selected=${!value}>${unset}</option>` : nothing}
    ${options.map((o) => {
      const [v, l] = Array.isArray(o) ? o : [o, o];
      return html`<option value=${v} .selected=${v === value}>${l}</option>`;
    })}</select>`);
}

// The part of the form, for channel @c (null: a new one) and error @e.
export function mediaFields(c, e) {
  const w = c?.watermark, s = c?.error_screen;
  return html`<fieldset class="stack"><legend>Picture and sound</legend>
    <div class="grid">
      ${text(e, 'audio_languages', 'Audio languages', c?.audio_languages, { placeholder: 'jpn,eng' })}
      ${choice(e, 'audio_tracks', 'Audio tracks', AUDIO_TRACKS, c?.audio_tracks || 'preferred')}
      ${text(e, 'subtitle_languages', 'Subtitle languages', c?.subtitle_languages, { placeholder: 'eng' })}
      ${choice(e, 'subtitle_mode', 'Burn in subtitles', SUBTITLE_MODES, c?.subtitle_mode || 'off')}
      ${text(e, 'loudness_target_lufs', 'Loudness target (LUFS, empty: off)', c?.loudness_target_lufs,
    { type: 'number', step: '0.1', placeholder: '-24' })}
      ${choice(e, 'deinterlace', 'Deinterlace', DEINTERLACE, c?.deinterlace || 'auto')}
      ${choice(e, 'scaling', 'Scaling', SCALING, c?.scaling || 'fit')}
    </div>
    <fieldset><legend>Watermark</legend>
      <label class="check"><input type="checkbox" name="wm_on" .checked=${Boolean(w)}> Show a watermark</label>
      <div class="grid">
        ${text(e, 'watermark.image', 'Watermark image (PNG path on the server)', w?.image)}
        ${choice(e, 'watermark.position', 'Watermark position', POSITIONS, w?.position || 'bottom-right')}
        ${text(e, 'watermark.size', 'Watermark width (fraction of the frame)', w?.size ?? 0.1, { type: 'number', step: '0.01' })}
        ${text(e, 'watermark.opacity', 'Watermark opacity (0–1)', w?.opacity ?? 1, { type: 'number', step: '0.05' })}
        ${text(e, 'watermark.margin', 'Watermark margin (fraction of the width)', w?.margin ?? 0.02, { type: 'number', step: '0.01' })}
        ${text(e, 'watermark.every_minutes', 'Show every N minutes (0: always)', w?.every_minutes ?? 0, { type: 'number' })}
        ${text(e, 'watermark.show_seconds', 'Showing for (seconds)', w?.show_seconds ?? 0, { type: 'number' })}
      </div>
      <label class="check"><input type="checkbox" name="watermark.programmes_only" .checked=${Boolean(w?.programmes_only)}>
        Only during programmes, not filler</label>
    </fieldset>
    <fieldset><legend>Error screen</legend>
      <label class="check"><input type="checkbox" name="es_on" .checked=${Boolean(s)}> This channel's own error screen
        (else the server's)</label>
      <div class="grid">
        ${choice(e, 'error_screen.visual_mode', 'Error screen picture', VISUAL_MODES, s?.visual_mode, "the server's")}
        ${choice(e, 'error_screen.audio_mode', 'Error screen sound', AUDIO_MODES, s?.audio_mode, "the server's")}
        ${text(e, 'error_screen.title', 'Error screen title', s?.title)}
        ${text(e, 'error_screen.subtitle', 'Error screen subtitle', s?.subtitle)}
        ${text(e, 'error_screen.background', 'Error screen colour (#rrggbb)', s?.background, { placeholder: '#102a5a' })}
        ${text(e, 'error_screen.image', 'Error screen image (path on the server)', s?.image)}
      </div>
    </fieldset>
  </fieldset>`;
}

const value = (f, name) => f.namedItem(name).value.trim();
const orNull = (v) => (v === '' ? null : v);
const num = (v) => (v === '' ? null : Number(v));

// The members for a POST or PATCH body from the form's elements @f.
export function readMediaFields(f) {
  const body = {
    audio_languages: orNull(value(f, 'audio_languages')),
    audio_tracks: value(f, 'audio_tracks'),
    subtitle_languages: orNull(value(f, 'subtitle_languages')),
    subtitle_mode: value(f, 'subtitle_mode'),
    loudness_target_lufs: num(value(f, 'loudness_target_lufs')),
    deinterlace: value(f, 'deinterlace'),
    scaling: value(f, 'scaling'),
    watermark: null,
    error_screen: null,
  };
  if (f.namedItem('wm_on').checked)
    body.watermark = {
      image: orNull(value(f, 'watermark.image')), position: value(f, 'watermark.position'),
      size: num(value(f, 'watermark.size')), opacity: num(value(f, 'watermark.opacity')),
      margin: num(value(f, 'watermark.margin')), every_minutes: num(value(f, 'watermark.every_minutes')),
      show_seconds: num(value(f, 'watermark.show_seconds')),
      programmes_only: f.namedItem('watermark.programmes_only').checked,
    };
  if (f.namedItem('es_on').checked) {
    body.error_screen = {};
    // an unset mode is left out (null is not a mode); unset text clears
    for (const k of ['visual_mode', 'audio_mode', 'title', 'subtitle', 'background', 'image']) {
      const v = orNull(value(f, `error_screen.${k}`));
      if (v !== null || !k.endsWith('_mode'))
        body.error_screen[k] = v;
    }
  }
  return body;
}
