// What the console remembers: the API key and the "approved by" name, in
// sessionStorage only, so they live as long as the tab and are never written
// to a URL, a cookie or a log. Nothing else in the console touches storage.
const KEY = 'dq.apiKey';
const APPROVER = 'dq.approvedBy';

function read(name) {
  try {
    return sessionStorage.getItem(name) || '';
  } catch {
    return '';   // storage disabled: the console still works for this page
  }
}

function write(name, value) {
  try {
    if (value) sessionStorage.setItem(name, value);
    else sessionStorage.removeItem(name);
  } catch {
    /* storage disabled: nothing is kept, which is the safe failure */
  }
}

export const apiKey = () => read(KEY);
export const setApiKey = (value) => write(KEY, value);
export const approver = () => read(APPROVER);
export const setApprover = (value) => write(APPROVER, value.trim());
