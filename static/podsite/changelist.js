"use strict";
// The Design changelist needs the whole width of a 1280 px screen: below 1440 px the admin's menu starts folded
// away, as if « had been pressed (Django remembers that choice; pressing » brings the menu back for good).
{
  const toggle = document.getElementById("toggle-nav-sidebar");
  const narrow = window.matchMedia("(max-width: 1440px)").matches;
  if (toggle && narrow && localStorage.getItem("django.admin.navSidebarIsOpen") === null) {
    toggle.click();
  }
}
