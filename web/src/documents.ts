// Files through the gateway (documents service): streamed upload with progress, authorized reads.
import { api, ApiError, request, uploadWithProgress } from "./api";
import { fmtSize, t } from "./i18n";
import { bytesToBase64 } from "./ncalayer";

export const MAX_UPLOAD_BYTES = ((window as any).PEDATT_CONFIG?.maxUploadMb ?? 50) * 1024 * 1024;

const EXT_TYPES: Record<string, string> = {
  pdf: "application/pdf",
  jpg: "image/jpeg",
  jpeg: "image/jpeg",
  png: "image/png",
  docx: "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
  xlsx: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
};

export function fileType(file: File): string {
  if (file.type) return file.type;
  const ext = file.name.split(".").pop()?.toLowerCase() ?? "";
  return EXT_TYPES[ext] ?? "application/octet-stream";
}

const TYPE_NAMES: Record<string, string> = {
  "application/pdf": "PDF",
  "image/jpeg": "JPEG",
  "image/png": "PNG",
  "application/vnd.openxmlformats-officedocument.wordprocessingml.document": "DOCX",
  "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": "XLSX",
};

export function typeNames(types: string[] | undefined): string {
  return (types ?? []).map((x) => TYPE_NAMES[x] ?? x).join(", ");
}

/** Checked before anything is sent: the type the item accepts and the size limit. */
export function checkFile(file: File, accepted?: string[]): string | null {
  if (file.size === 0) return t("upload.empty");
  if (file.size > MAX_UPLOAD_BYTES) return t("upload.tooLarge", { size: fmtSize(file.size), max: fmtSize(MAX_UPLOAD_BYTES) });
  const type = fileType(file);
  if (accepted && accepted.length && !accepted.includes(type)) return t("upload.badType", { types: typeNames(accepted) });
  return null;
}

export function uploadDocument(
  file: File,
  subject: { subject_type: string; subject_id: string; kind: string; document_id?: string },
  onProgress: (f: number) => void,
): Promise<any> {
  const form = new FormData();
  form.append("file", file, file.name);
  const q = new URLSearchParams(subject as Record<string, string>);
  return uploadWithProgress("POST", `/documents/upload?${q}`, form, onProgress);
}

export async function fetchDocumentBlob(documentId: string, version?: number): Promise<Blob> {
  const res = await request<Response>("GET", `/documents/${documentId}/content`, { query: { version }, raw: true });
  return res.blob();
}

export async function documentBase64(documentId: string, version?: number): Promise<string> {
  const blob = await fetchDocumentBlob(documentId, version);
  return bytesToBase64(new Uint8Array(await blob.arrayBuffer()));
}

export async function deleteDocument(documentId: string) {
  try {
    await api.del(`/documents/${documentId}`);
  } catch (e) {
    if (!(e instanceof ApiError)) throw e;
  }
}
