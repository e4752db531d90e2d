// The watch page's player, bundled apart (assets/hls.js) so the other pages
// never download it.
export { default } from 'hls.js';
