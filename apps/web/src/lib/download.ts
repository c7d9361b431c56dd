/**
 * Starts the browser's download of a signed URL. The server sends the file as an attachment, so
 * following the link saves it and leaves the page where it is; the URL itself is never stored.
 */
export function startDownload(url: string): void {
  const link = document.createElement('a');
  link.href = url;
  link.rel = 'noopener';
  // Honoured for same-origin URLs; elsewhere Content-Disposition names the file.
  link.download = '';
  document.body.append(link);
  link.click();
  link.remove();
}
