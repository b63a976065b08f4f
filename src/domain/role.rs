//! Operator roles and statuses, and the permission rules between them. Owners run the account,
//! admins manage everything but owners, agents answer chats and read settings.

use super::DomainError;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Role {
    Agent,
    Admin,
    Owner,
}

impl Role {
    pub fn parse(raw: &str) -> Result<Role, DomainError> {
        match raw {
            "owner" => Ok(Role::Owner),
            "admin" => Ok(Role::Admin),
            "agent" => Ok(Role::Agent),
            _ => Err(DomainError::invalid("role", "must be one of owner, admin, agent")),
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Role::Owner => "owner",
            Role::Admin => "admin",
            Role::Agent => "agent",
        }
    }

    /// Settings (keys, operators, departments, identity secret) are changed by owners and admins.
    pub fn require_manager(self) -> Result<(), DomainError> {
        if self >= Role::Admin {
            Ok(())
        } else {
            Err(DomainError::forbidden("this needs the admin or owner role"))
        }
    }

    /// Whether `self` may create an operator with, or change an operator from/to, the given roles.
    /// Only owners touch owners; nobody changes their own role (so a tenant cannot lose its last owner
    /// by accident, and an admin cannot promote themselves).
    pub fn may_set_role(self, target_current: Option<Role>, target_new: Role, is_self: bool) -> Result<(), DomainError> {
        self.require_manager()?;
        if is_self && target_current != Some(target_new) {
            return Err(DomainError::forbidden("you cannot change your own role"));
        }
        let touches_owner = target_new == Role::Owner || target_current == Some(Role::Owner);
        if touches_owner && self != Role::Owner {
            return Err(DomainError::forbidden("only an owner can grant, change or remove the owner role"));
        }
        Ok(())
    }

    /// Whether `self` may change another operator's profile, password or active flag.
    pub fn may_manage(self, target: Role, is_self: bool) -> Result<(), DomainError> {
        self.require_manager()?;
        if target == Role::Owner && self != Role::Owner && !is_self {
            return Err(DomainError::forbidden("only an owner can manage an owner"));
        }
        Ok(())
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OperatorStatus {
    Available,
    Busy,
    Offline,
}

impl OperatorStatus {
    pub fn parse(raw: &str) -> Result<OperatorStatus, DomainError> {
        match raw {
            "available" => Ok(OperatorStatus::Available),
            "busy" => Ok(OperatorStatus::Busy),
            "offline" => Ok(OperatorStatus::Offline),
            _ => Err(DomainError::invalid("status", "must be one of available, busy, offline")),
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            OperatorStatus::Available => "available",
            OperatorStatus::Busy => "busy",
            OperatorStatus::Offline => "offline",
        }
    }
}

pub const DEFAULT_CAPACITY: i64 = 5;
pub const MAX_CAPACITY: i64 = 100;

/// How many chats an operator takes at once (0 means they take none automatically).
pub fn parse_capacity(raw: i64) -> Result<i64, DomainError> {
    if (0..=MAX_CAPACITY).contains(&raw) {
        Ok(raw)
    } else {
        Err(DomainError::invalid("capacity", format!("must be between 0 and {MAX_CAPACITY}")))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use Role::*;

    #[test]
    fn roles_parse_exactly() {
        assert_eq!(Role::parse("owner").unwrap(), Owner);
        assert_eq!(Role::parse("admin").unwrap(), Admin);
        assert_eq!(Role::parse("agent").unwrap(), Agent);
        for bad in ["", "Owner", "root", " agent"] {
            assert!(Role::parse(bad).is_err());
        }
        for r in [Owner, Admin, Agent] {
            assert_eq!(Role::parse(r.as_str()).unwrap(), r);
        }
    }

    #[test]
    fn only_managers_manage() {
        assert!(Owner.require_manager().is_ok());
        assert!(Admin.require_manager().is_ok());
        assert!(matches!(Agent.require_manager(), Err(DomainError::Forbidden(_))));
    }

    #[test]
    fn role_changes_follow_the_owner_rules() {
        assert!(Admin.may_set_role(None, Agent, false).is_ok());
        assert!(Admin.may_set_role(None, Admin, false).is_ok());
        assert!(Admin.may_set_role(None, Owner, false).is_err(), "admin cannot create owners");
        assert!(Admin.may_set_role(Some(Owner), Agent, false).is_err(), "admin cannot demote owners");
        assert!(Owner.may_set_role(Some(Admin), Owner, false).is_ok());
        assert!(Owner.may_set_role(Some(Owner), Admin, true).is_err(), "nobody changes their own role");
        assert!(Admin.may_set_role(Some(Admin), Admin, true).is_ok(), "unchanged own role is fine");
        assert!(Agent.may_set_role(None, Agent, false).is_err());
    }

    #[test]
    fn managing_owners_needs_an_owner() {
        assert!(Admin.may_manage(Agent, false).is_ok());
        assert!(Admin.may_manage(Owner, false).is_err());
        assert!(Owner.may_manage(Owner, false).is_ok());
        assert!(Agent.may_manage(Agent, false).is_err());
    }

    #[test]
    fn statuses_and_capacity_parse() {
        for s in ["available", "busy", "offline"] {
            assert_eq!(OperatorStatus::parse(s).unwrap().as_str(), s);
        }
        assert!(OperatorStatus::parse("away").is_err());
        assert_eq!(parse_capacity(0).unwrap(), 0);
        assert_eq!(parse_capacity(DEFAULT_CAPACITY).unwrap(), 5);
        assert!(parse_capacity(-1).is_err());
        assert!(parse_capacity(MAX_CAPACITY + 1).is_err());
    }
}
