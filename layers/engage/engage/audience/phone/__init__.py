"""Phone numbers: offline checks, the PhoneNumberValidate lookups and their cache."""
