"""Views of the accounts app, one module per resource: sign-up (first run, invitations'
links), invitations (staff), people (directory, profiles, staff actions), the person's own
account (profile, password), and uploaded files."""
