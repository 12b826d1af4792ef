// Who is logged in, their teams, and the team the console is working in.
import { createContext, ReactNode, useCallback, useContext, useEffect, useMemo, useState } from "react";
import { getToken, setToken, setUnauthorizedHandler } from "./api/client";
import { auth } from "./api/endpoints";
import type { Me, MeTeam } from "./api/types";
import { resetLiveEvents } from "./lib/liveEvents";

const TEAM_KEY = "sluice.team";

interface SessionValue {
  me: Me | null;
  loading: boolean;
  error: unknown;
  team: MeTeam | null;
  setTeamId: (id: number) => void;
  login: (username: string, password: string) => Promise<void>;
  logout: () => Promise<void>;
  refresh: () => Promise<void>;
}

const SessionContext = createContext<SessionValue | null>(null);

function storedTeam(): number | null {
  try {
    const value = Number(localStorage.getItem(TEAM_KEY));
    return Number.isInteger(value) && value > 0 ? value : null;
  } catch {
    return null;
  }
}

export function SessionProvider({ children }: { children: ReactNode }) {
  const [me, setMe] = useState<Me | null>(null);
  const [loading, setLoading] = useState<boolean>(!!getToken());
  const [error, setError] = useState<unknown>(undefined);
  const [teamId, setTeamIdState] = useState<number | null>(storedTeam());

  const refresh = useCallback(async () => {
    if (!getToken()) { setMe(null); setLoading(false); return; }
    try {
      const value = await auth.me();
      setMe({ ...value, teams: value.teams ?? [] });
      setError(undefined);
    } catch (err) {
      setError(err);
      setMe(null);
    } finally {
      setLoading(false);
    }
  }, []);

  useEffect(() => {
    setUnauthorizedHandler(() => { setToken(null); resetLiveEvents(); setMe(null); });
    void refresh();
    return () => setUnauthorizedHandler(null);
  }, [refresh]);

  const login = useCallback(async (username: string, password: string) => {
    const answer = await auth.login(username, password);
    setToken(answer.token);
    setLoading(true);
    await refresh();
  }, [refresh]);

  const logout = useCallback(async () => {
    try {
      await auth.logout();
    } finally {
      setToken(null);
      resetLiveEvents();
      setMe(null);
    }
  }, []);

  const setTeamId = useCallback((id: number) => {
    setTeamIdState(id);
    try { localStorage.setItem(TEAM_KEY, String(id)); } catch { /* memory only */ }
  }, []);

  const team = useMemo(() => {
    const teams = me?.teams ?? [];
    return teams.find((t) => t.id === teamId) ?? teams[0] ?? null;
  }, [me, teamId]);

  const value = useMemo(() => ({ me, loading, error, team, setTeamId, login, logout, refresh }), [me, loading, error, team, setTeamId, login, logout, refresh]);
  return <SessionContext.Provider value={value}>{children}</SessionContext.Provider>;
}

export function useSession(): SessionValue {
  const value = useContext(SessionContext);
  if (!value) throw new Error("useSession outside SessionProvider");
  return value;
}

// Owners and admins may change a team's things; viewers only look.
export function canEdit(me: Me | null, teamId: number | null | undefined): boolean {
  if (!me) return false;
  if (me.is_admin) return true;
  const role = me.teams.find((t) => t.id === teamId)?.role;
  return role === "owner" || role === "developer";
}
