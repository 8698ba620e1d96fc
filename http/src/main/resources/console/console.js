// The approvals console: plain DOM and fetch against the public API, no build step.
// Everything shown is set with textContent, never parsed as HTML: proposals carry agent text.
"use strict";

const KEY_STORE = "troupe.apiKey";
const REFRESH_MS = 3000;
let apiKey = sessionStorage.getItem(KEY_STORE);
let refreshTimer = null;
let openTaskId = null;
// Comments being typed survive the periodic refresh of the approvals list.
const drafts = new Map();
// One card per pending approval, kept across refreshes so focus and clicks are never lost.
const cards = new Map();

const $ = (id) => document.getElementById(id);

function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs)) {
    if (value === undefined || value === null) continue;
    if (name === "text") node.textContent = value;
    else if (name === "className") node.className = value;
    else if (name.startsWith("on")) node.addEventListener(name.slice(2), value);
    else node.setAttribute(name, value);
  }
  for (const child of children) {
    if (child !== null && child !== undefined) node.append(child);
  }
  return node;
}

function say(message, isError = false) {
  const status = $("status");
  status.textContent = message;
  status.className = isError ? "error" : "";
}

async function api(path, options = {}) {
  const headers = { "Authorization": "Bearer " + apiKey, ...(options.headers || {}) };
  const response = await fetch(path, { ...options, headers });
  let body = null;
  const type = response.headers.get("Content-Type") || "";
  if (type.includes("json")) body = await response.json();
  return { status: response.status, body };
}

function problem(result) {
  return (result.body && (result.body.detail || result.body.title)) || ("HTTP " + result.status);
}

function when(iso) {
  if (!iso) return "";
  const date = new Date(iso);
  return date.toLocaleString(undefined, { dateStyle: "medium", timeStyle: "short" });
}

// ---- sign in ----

async function signIn(event) {
  event.preventDefault();
  const candidate = $("api-key").value.trim();
  if (!candidate) return;
  apiKey = candidate;
  const check = await api("/v1/approvals?status=PENDING&limit=1");
  if (check.status === 401) {
    apiKey = null;
    say("That key was not accepted.", true);
    return;
  }
  if (check.status === 403) {
    apiKey = null;
    say("This key cannot see approvals: it needs the approver, auditor or admin role.", true);
    return;
  }
  sessionStorage.setItem(KEY_STORE, candidate);
  $("api-key").value = "";
  say("Signed in.");
  showWorkspace();
}

function signOut() {
  const wasSignedIn = apiKey !== null;
  sessionStorage.removeItem(KEY_STORE);
  apiKey = null;
  clearTimeout(refreshTimer);
  cards.clear();
  $("approvals").replaceChildren();
  $("workspace").hidden = true;
  $("sign-out").hidden = true;
  $("login").hidden = false;
  if (wasSignedIn) say("Signed out.");
}

function showWorkspace() {
  $("login").hidden = true;
  $("workspace").hidden = false;
  $("sign-out").hidden = false;
  refresh();
}

async function refresh() {
  clearTimeout(refreshTimer);
  if (!apiKey) return;
  try {
    await Promise.all([loadApprovals(), loadTasks(), openTaskId ? loadTask(openTaskId) : null]);
  } catch (error) {
    say("Cannot reach the server: " + error.message, true);
  }
  if (apiKey) refreshTimer = setTimeout(refresh, REFRESH_MS);
}

// ---- approvals ----

async function loadApprovals() {
  const result = await api("/v1/approvals?status=PENDING&limit=100");
  if (result.status === 401) return signOut();
  if (result.status !== 200) return say(problem(result), true);
  const items = result.body.items;
  $("approval-count").textContent = "(" + items.length + ")";
  $("no-approvals").hidden = items.length > 0;
  // Only what changed is touched: a card stays the same element while its approval is pending.
  const pending = new Set(items.map((a) => a.approvalId));
  for (const [id, card] of cards) {
    if (!pending.has(id)) {
      card.remove();
      cards.delete(id);
    }
  }
  const list = $("approvals");
  items.forEach((approval, index) => {
    let card = cards.get(approval.approvalId);
    if (!card) {
      card = approvalCard(approval);
      cards.set(approval.approvalId, card);
    }
    if (list.children[index] !== card) list.insertBefore(card, list.children[index] || null);
  });
}

function approvalCard(approval) {
  const id = approval.approvalId;
  const commentId = "comment-" + id;
  const comment = el("textarea", { id: commentId, rows: "2", name: "comment",
    oninput: (e) => drafts.set(id, e.target.value) });
  comment.value = drafts.get(id) || "";
  const review = approval.kind === "review";
  const what = review ? "Review the output of step " + approval.stepId : approval.action.tool;
  const title = el("h3", { id: "title-" + id, text: what });
  if (!review && !approval.action.reversible) title.append(el("span", { className: "badge", text: "irreversible" }));
  return el("article", { className: "approval", "aria-labelledby": "title-" + id, "data-approval-id": id },
    title,
    el("p", { className: "reason", text: approval.reason }),
    el("p", { className: "meta",
      text: (review ? "Confidence " + approval.confidence + " from " : "Proposed by ") + approval.agentId + " for task " + approval.taskId + ", step " + approval.stepId
        + " · requested " + when(approval.requestedAt) + " · expires " + when(approval.expiresAt) }),
    el("figure", {},
      el("figcaption", { text: review ? "Output to review" : "Exact input of the call" }),
      el("pre", { className: "input", text: JSON.stringify(review ? approval.output : approval.action.input, null, 2) })),
    el("label", { for: commentId, text: "Comment (optional)" }),
    comment,
    el("div", { className: "actions" },
      el("button", { type: "button", className: "approve", "data-action": "approve", "aria-describedby": "title-" + id,
        onclick: (e) => decide(approval, "approve", e.currentTarget) }, "Approve"),
      el("button", { type: "button", className: "reject", "data-action": "reject", "aria-describedby": "title-" + id,
        onclick: (e) => decide(approval, "reject", e.currentTarget) }, "Reject")));
}

async function decide(approval, verb, button) {
  const card = button.closest("article");
  card.querySelectorAll("button").forEach((b) => { b.disabled = true; });
  const comment = (drafts.get(approval.approvalId) || "").trim();
  const result = await api("/v1/approvals/" + encodeURIComponent(approval.approvalId) + "/" + verb, {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify(comment ? { comment } : {}),
  });
  if (result.status === 200) {
    drafts.delete(approval.approvalId);
    cards.delete(approval.approvalId);
    // Focus moves on to the next decision (or the status line), never to the page's start.
    const next = card.nextElementSibling || card.previousElementSibling;
    card.remove();
    const what = approval.kind === "review" ? "the output of step " + approval.stepId : approval.action.tool;
    say((verb === "approve" ? "Approved " : "Rejected ") + what + " for task " + approval.taskId + ".");
    const target = next ? next.querySelector("button[data-action=approve]") : $("status");
    if (target) target.focus();
  } else {
    card.querySelectorAll("button").forEach((b) => { b.disabled = false; });
    say(problem(result), true);
  }
  refresh();
}

// ---- tasks ----

async function loadTasks() {
  const result = await api("/v1/tasks?limit=20");
  if (result.status === 401) return signOut();
  if (result.status !== 200) return;
  const rows = result.body.items.map((task) => el("tr", { "data-task-id": task.taskId },
    el("td", {}, el("a", { href: "#" + task.taskId, onclick: (e) => { e.preventDefault(); openTask(task.taskId); } },
      task.taskId)),
    el("td", { className: "task-status", text: task.status }),
    el("td", { text: task.workflow || task.capability }),
    el("td", { text: when(task.createdAt) }),
    el("td", { className: "num", text: String(task.usage.costUsd) }),
    el("td", { text: task.pendingApprovals ? task.pendingApprovals + " approval(s)" : "" })));
  $("tasks").tBodies[0].replaceChildren(...rows);
}

function openTask(taskId) {
  openTaskId = taskId;
  loadTask(taskId).then(() => $("task-title").focus());
}

async function loadTask(taskId) {
  const result = await api("/v1/tasks/" + encodeURIComponent(taskId));
  if (result.status !== 200) return say(problem(result), true);
  const task = result.body;
  $("task").hidden = false;
  $("task-title").textContent = "Task " + task.taskId;
  $("task-title").setAttribute("tabindex", "-1");
  const facts = [["Status", task.status], ["Runs", task.workflow || task.capability], ["Created", when(task.createdAt)],
    ["Updated", when(task.updatedAt)], ["Tokens", String(task.usage.tokens)], ["Cost (USD)", String(task.usage.costUsd)],
    ["Error", task.error || "—"]];
  $("task-facts").replaceChildren(...facts.flatMap(([k, v]) => [el("dt", { text: k }), el("dd", { text: v })]));
  $("task-steps").tBodies[0].replaceChildren(...task.steps.map((step) => el("tr", {},
    el("td", { text: step.name }), el("td", { text: step.agentId || "" }), el("td", { text: step.status }),
    el("td", { className: "num", text: String(step.attempts) }), el("td", { className: "num", text: String(step.tokens) }),
    el("td", { className: "num", text: String(step.costUsd) }), el("td", { text: step.error || "" }))));
  $("task-approvals").replaceChildren(...(task.approvals || []).map((a) => el("li", {
    text: (a.kind === "review" ? "review of " + a.stepId : a.action.tool) + ": " + a.status + (a.decidedBy ? " by " + a.decidedBy : "")
      + (a.decidedAt ? " at " + when(a.decidedAt) : "") + (a.comment ? " — “" + a.comment + "”" : "")
      + (a.outcome ? " (" + a.outcome + ")" : "") })));
}

document.addEventListener("DOMContentLoaded", () => {
  $("login-form").addEventListener("submit", signIn);
  $("sign-out").addEventListener("click", signOut);
  if (apiKey) showWorkspace();
});
