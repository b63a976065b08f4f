// Sample files of each accepted type (tiny but real), hostile files, and a look into local R2.
import { deflateSync } from 'node:zlib';
import { createHmac } from 'node:crypto';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { FILES_SECRET } from './worker.mjs';

export const SAMPLES = {
  png: Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==', 'base64'),
  jpeg: Buffer.from('/9j/4AAQSkZJRgABAQEASABIAAD/2wBDAAMCAgICAgMCAgIDAwMDBAYEBAQEBAgGBgUGCQgKCgkICQkKDA8MCgsOCwkJDRENDg8QEBEQCgwSExIQEw8QEBD/yQALCAABAAEBAREA/8wABgAQEAX/2gAIAQEAAD8A0s8g/9k=', 'base64'),
  gif: Buffer.from('R0lGODlhAQABAIAAAP///wAAACwAAAAAAQABAAACAkQBADs=', 'base64'),
  webp: Buffer.from('UklGRiQAAABXRUJQVlA4IBgAAAAwAQCdASoBAAEAAwA0JaQAA3AA/vuUAAA=', 'base64'),
  pdf: Buffer.from('%PDF-1.4\n1 0 obj << /Type /Catalog /Pages 2 0 R >> endobj\n2 0 obj << /Type /Pages /Kids [] /Count 0 >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n'),
};

/** A real PNG of `w`×`h` grey pixels. */
export function png(w, h) {
  const crcTable = Array.from({ length: 256 }, (_, n) => {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    return c >>> 0;
  });
  const crc = (buf) => {
    let c = 0xffffffff;
    for (const b of buf) c = crcTable[(c ^ b) & 0xff] ^ (c >>> 8);
    return (c ^ 0xffffffff) >>> 0;
  };
  const chunk = (type, data) => {
    const len = Buffer.alloc(4);
    len.writeUInt32BE(data.length);
    const td = Buffer.concat([Buffer.from(type), data]);
    const sum = Buffer.alloc(4);
    sum.writeUInt32BE(crc(td));
    return Buffer.concat([len, td, sum]);
  };
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(w, 0);
  ihdr.writeUInt32BE(h, 4);
  ihdr[8] = 8;
  const rows = Buffer.concat(Array.from({ length: h }, () => Buffer.concat([Buffer.from([0]), Buffer.alloc(w, 160)])));
  return Buffer.concat([Buffer.from('\x89PNG\r\n\x1a\n', 'latin1'), chunk('IHDR', ihdr), chunk('IDAT', deflateSync(rows)), chunk('IEND', Buffer.alloc(0))]);
}

/** A ZIP made of local file headers naming `parts` (enough for type detection). */
export function zipWith(parts) {
  return Buffer.concat(parts.flatMap((part) => {
    const header = Buffer.alloc(30);
    header.write('PK\x03\x04', 0, 'latin1');
    header.writeUInt16LE(20, 4);
    header.writeUInt16LE(Buffer.byteLength(part), 26);
    return [header, Buffer.from(part)];
  }));
}

/** Documents a visitor may send besides images and PDF (always downloaded, never shown inline). */
export const DOCUMENTS = {
  txt: Buffer.from('Order 1234\r\n注文番号は 1234 です。\n'),
  csv: Buffer.from('order,amount\n1234,45.00\n'),
  docx: zipWith(['[Content_Types].xml', 'word/document.xml']),
  xlsx: zipWith(['[Content_Types].xml', 'xl/workbook.xml']),
  pptx: zipWith(['[Content_Types].xml', 'ppt/presentation.xml']),
  doc: Buffer.concat([Buffer.from([0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1]), Buffer.alloc(504)]),
  zip: zipWith(['photos/one.jpg', 'photos/two.jpg']),
};

export const MIME = {
  png: 'image/png', jpeg: 'image/jpeg', gif: 'image/gif', webp: 'image/webp', pdf: 'application/pdf',
  txt: 'text/plain; charset=utf-8', csv: 'text/csv; charset=utf-8',
  docx: 'application/vnd.openxmlformats-officedocument.wordprocessingml.document',
  xlsx: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
  pptx: 'application/vnd.openxmlformats-officedocument.presentationml.presentation',
  doc: 'application/msword', zip: 'application/zip',
};

export const HOSTILE = {
  svg: Buffer.from('<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"><script>alert(document.cookie)</script></svg>'),
  html: Buffer.from('<!doctype html><html><body><script>alert(1)</script></body></html>'),
  polyglot: Buffer.from('GIF89a/*\x01\x01\x00\x00\x00*/=1;alert(document.domain);//', 'latin1'),
  exe: Buffer.concat([Buffer.from('MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00', 'latin1'), Buffer.alloc(200)]),
};

/** Files stored in the local R2 bucket of a state folder. */
export function r2BlobCount(state) {
  const dir = join(state, 'v3', 'r2', 'edgechat-uploads', 'blobs');
  return existsSync(dir) ? readdirSync(dir).length : 0;
}

/** A download URL for any key and expiry, signed with the test secret (or a wrong one). */
export function signedUrl(key, exp, secret = FILES_SECRET) {
  const sig = createHmac('sha256', secret).update(`${key}\n${exp}`).digest('hex');
  return `/files/${key}?exp=${exp}&sig=${sig}`;
}
