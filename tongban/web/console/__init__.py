"""The staff console (管理控制台): what a bureau administrator changes day to day, in the site's
own pages. Django's admin stays for superusers."""
