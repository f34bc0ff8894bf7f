/** The admin console's pages. */

export {
  type ClientFormValues,
  type ClientFormView,
  type ClientListView,
  type ClientRowView,
  type ClientSecretView,
  renderClientFormPage,
  renderClientListPage,
  renderClientSecretPage,
} from './clients.js';
export {
  type AdminChrome,
  type AdminSection,
  type ConfirmView,
  renderAdminHome,
  renderConfirmPage,
} from './common.js';
export { COPY_SCRIPT, COPY_SCRIPT_PATH } from './copy-script.js';
export {
  type AuditListView,
  type AuditRowView,
  type KeyListView,
  type KeyRowView,
  renderAuditPage,
  renderKeyListPage,
} from './keys-audit.js';
export {
  PROFILE_FORM_CLAIMS,
  type ProfileFormValues,
  renderUserCreatePage,
  renderUserDetailPage,
  renderUserListPage,
  renderUserPasswordPage,
  type UserCreateView,
  type UserDetailView,
  type UserGrantView,
  type UserListView,
  type UserPasswordView,
} from './users.js';
