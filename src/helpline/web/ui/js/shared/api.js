// The REST client. The bearer token lives in sessionStorage: it is gone when the tab closes,
// and each tab may be signed in as someone else (an agent beside a leader, on one machine).

const SESSION_KEY = "helpline.session";
export const API = "/api/v1";

export class ApiError extends Error {
  constructor(status, body) {
    super(body?.message || `HTTP ${status}`);
    this.status = status;
    this.code = body?.code || `http_${status}`;
    this.fields = body?.fields || {};
    this.errors = body?.errors || []; // per-field messages of a refused request body
  }
}

export function getSession() {
  try {
    return JSON.parse(sessionStorage.getItem(SESSION_KEY) || "null");
  } catch {
    return null;
  }
}

export function saveSession(tokenResponse) {
  const session = { token: tokenResponse.access_token, user: tokenResponse.user,
    expires: Date.now() + tokenResponse.expires_in * 1000 };
  sessionStorage.setItem(SESSION_KEY, JSON.stringify(session));
  return session;
}

export function clearSession() {
  sessionStorage.removeItem(SESSION_KEY);
}

export function loginUrl(reason) {
  const next = location.pathname.replace(/^\/ui\//, "");
  const params = new URLSearchParams({ next });
  if (reason) params.set("reason", reason);
  return `/ui/login.html?${params}`;
}

/** The session, or a trip to the sign-in page when there is none (or it has expired). */
export function requireSession() {
  const session = getSession();
  if (!session || session.expires < Date.now()) {
    clearSession();
    location.replace(loginUrl(session ? "expired" : null));
    return null;
  }
  return session;
}

const RANK = { agent: 1, leader: 2, supervisor: 3, admin: 4 };

export function atLeast(user, role) {
  return (RANK[user?.role] || 0) >= RANK[role];
}

export async function signIn(username, password, tenant) {
  const form = new URLSearchParams({ username, password });
  if (tenant) form.set("tenant", tenant);
  const response = await fetch(`${API}/auth/token`, { method: "POST", body: form });
  const body = await response.json().catch(() => null);
  if (!response.ok) throw new ApiError(response.status, body);
  return saveSession(body);
}

/** ``api("POST", "/agents/me/ready")``; JSON in and out; throws ApiError with the server's code. */
export async function api(method, path, body) {
  const session = getSession();
  const headers = { Accept: "application/json" };
  if (session) headers.Authorization = `Bearer ${session.token}`;
  const init = { method, headers };
  if (body !== undefined) {
    headers["Content-Type"] = "application/json";
    init.body = JSON.stringify(body);
  }
  const response = await fetch(`${API}${path}`, init);
  if (response.status === 204) return null;
  const data = await response.json().catch(() => null);
  if (response.status === 401) {
    clearSession();
    location.replace(loginUrl("expired"));
  }
  if (!response.ok) throw new ApiError(response.status, data);
  return data;
}
